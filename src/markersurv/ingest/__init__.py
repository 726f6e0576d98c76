"""Reading source tables (CSV, TSV, Excel, Parquet; long or wide) and their cells."""
