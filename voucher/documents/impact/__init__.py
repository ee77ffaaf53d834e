"""Impact outputs: tabular exports (CSV, XLSX, Parquet, JSON), charts and the PDF report.

These adapters receive figures that are already protected by statistical secrecy; they
never query the database and never see a pseudonym.
"""
