"""Streamlit pieces of the UI that grew out of app.py. Only app.py and ui/ import streamlit."""
