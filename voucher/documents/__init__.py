"""Output adapters: bytes and streams (PDFs, bank files, exports, charts)."""
