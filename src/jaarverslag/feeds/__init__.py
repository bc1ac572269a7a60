"""Feeds: tools that rewrite data/ (the demo generator, the CBS open-data adapter), always through the contract."""
