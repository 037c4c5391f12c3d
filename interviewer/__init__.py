"""Mock interview simulator engine: cases and rubrics in, interviews and evidence-backed scores out.

Never imports streamlit; the pages in app_pages/ call interviewer.service.
"""
