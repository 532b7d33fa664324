"""The interfaces people use: the ``qa`` command line and the Gradio web page."""
