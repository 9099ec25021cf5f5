"""Dashboard entry point: ``streamlit run dashboard/app.py``.

Sets up the page, asks for a login when one is configured (``dashboard.auth``), refuses
politely when nothing is published yet, then hands over to the page the user picked.
Pages read the snapshot through ``dashboard.data``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.auth import page_for_visitor
from dashboard.data import published_db_path

st.set_page_config(page_title="Voice of customer", page_icon=":material/forum:", layout="wide")
visitor_page = page_for_visitor()
if visitor_page is not None:
    # the only page there is, so no URL reaches a data page before login
    st.navigation([visitor_page], position="hidden").run()
    st.stop()


def no_data_yet() -> None:
    st.info(
        "No data yet: run `voc run` to build the warehouse and publish a snapshot "
        "(the dashboard reads the file set by `VOC_DB_PATH`)."
    )


db_path = published_db_path()
if not db_path.is_file():
    # the only page there is: a data page's URL shows this too instead of failing
    st.navigation([st.Page(no_data_yet, title="Voice of customer")], position="hidden").run()
    st.stop()

page = st.navigation(
    [
        st.Page(
            "views/top_themes.py", title="Top themes", icon=":material/leaderboard:", default=True
        ),
        st.Page("views/weekly_review.py", title="Weekly review", icon=":material/event_note:"),
        st.Page("views/promotions.py", title="Promotions", icon=":material/campaign:"),
        st.Page("views/support_planning.py", title="Support planning", icon=":material/support_agent:"),
        st.Page("views/theme_management.py", title="Theme management", icon=":material/account_tree:"),
    ]
)
page.run()
