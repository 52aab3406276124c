"""Streamlit UI: a thin layer over ``layers``. Run with ``streamlit run app.py``."""

import streamlit as st

from layers import DataError, load_projects
from layers.labels import LANGS, PRECISION, PRECISION_HELP, register_table, t

st.set_page_config(page_title="济宁十大攻坚行动", layout="wide")

lang = st.sidebar.radio(
    "语言 / Language", LANGS, format_func=lambda code: {"zh": "中文", "en": "English"}[code], key="lang"
)
st.title(t("title", lang))
st.caption(t("caption", lang))

try:
    projects = load_projects()
except DataError as exc:
    st.error(f"{t('error', lang)}\n\n{exc}")
    st.stop()

counts = projects["precision"].value_counts()
cols = st.columns(1 + len(counts))
cols[0].metric(t("measures", lang), len(projects))
for col, (precision, n) in zip(cols[1:], counts.items(), strict=True):
    col.metric(PRECISION[precision][lang], int(n))

with st.expander(t("precision_help", lang)):
    st.markdown(PRECISION_HELP[lang])

st.dataframe(register_table(projects, lang), hide_index=True, width="stretch", key="register")
