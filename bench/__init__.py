"""``python -m bench``: Walking Check's Lambda and web-service performance, measured side by side
with a hello-world ask-sdk-core skill (the anchor) in the same run.

The anchor shows what the ASK SDK costs on its own, so the figures for Walking Check read as
"SDK + ours" rather than as absolute numbers that depend on the machine.
"""
