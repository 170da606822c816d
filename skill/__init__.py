"""Walking Check: a voice skill for leg pain and numbness when walking.

Layers depend one way: ``dialog`` -> ``rules`` and ``dialog`` -> ``persistence``.
``rules`` imports nothing from Alexa, Flask or storage.
"""

__version__ = "0.1.0"
