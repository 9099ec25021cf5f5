"""Pure NLP functions: no Prefect, DuckDB or Streamlit imports."""
