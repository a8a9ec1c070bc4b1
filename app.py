"""Paper Atlas: explore a collection of research papers. Router and frame; pages live in pages/."""

import streamlit as st

from ui import frame

st.set_page_config(page_title="Paper Atlas", page_icon=":material/travel_explore:", layout="wide")
navigation = st.navigation(
    [
        st.Page("pages/explore.py", title="Explore", icon=":material/search:", default=True),
        st.Page("pages/topics.py", title="Topics", icon=":material/bubble_chart:"),
        st.Page("pages/themes.py", title="Themes & trends", icon=":material/trending_up:"),
        st.Page("pages/data.py", title="Data", icon=":material/dataset:"),
    ]
)
frame.prepare()
try:
    navigation.run()
finally:
    frame.finish()
