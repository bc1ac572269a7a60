"""Publication: assembled reports and their PDFs, the index page, the Quarto books, and their provenance."""
