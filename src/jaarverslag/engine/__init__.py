"""The engine: the build layout, content hashes, the manifest and lock, and the batch that renders notebooks."""
