"""Pure statistics behind the marts: spike tests, score impact, handling cost, forecasts.

Like ``nlp/``, nothing here imports Prefect, DuckDB or Streamlit: frames and numbers in,
frames and numbers out. The pipeline wires these functions in; the tests call them directly.
"""
