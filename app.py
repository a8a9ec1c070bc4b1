"""Paper Atlas: explore a collection of research papers. The router; pages live in pages/.

Each page draws the shared frame itself (`ui.frame.prepare()`): Streamlit still runs a script in pages/
directly for a deep link on a freshly started server, so a frame drawn only here could be skipped.
"""

import streamlit as st

from ui.frame import PAGE_CONFIG

st.set_page_config(**PAGE_CONFIG)
st.navigation(
    [
        st.Page("pages/explore.py", title="Explore", icon=":material/search:", default=True),
        st.Page("pages/topics.py", title="Topics", icon=":material/bubble_chart:"),
        st.Page("pages/themes.py", title="Themes & trends", icon=":material/trending_up:"),
        st.Page("pages/data.py", title="Data", icon=":material/dataset:"),
    ]
).run()
