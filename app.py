"""Paper Atlas: explore a collection of research papers. The router; pages live in pages/.

Each page draws the shared frame itself (`ui.frame.prepare()`): on a freshly started server Streamlit runs
a deep link's script in pages/ directly, without this file, and the frame then registers the navigation.
"""

import streamlit as st

from ui import frame

st.set_page_config(**frame.PAGE_CONFIG)
page = st.navigation(frame.pages(), position="hidden")
frame.mark_routed(page.url_path)
page.run()
