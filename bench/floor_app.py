"""The floor a click cannot go below on this machine: a bare Streamlit page with one multiselect and a 600-row
table. bench/browser_latency.py times a pick in it beside Paper Atlas's clicks, in the same run."""

import numpy as np
import pandas as pd
import streamlit as st

rng = np.random.default_rng(0)
table = pd.DataFrame({"Title": [f"Paper number {i} on a subject" for i in range(600)], "Score": rng.random(600)})
st.title("Floor")
chosen = st.multiselect("Letters", list("abcdefghij"))
st.dataframe(table[table.index % (len(chosen) + 1) == 0], hide_index=True)
