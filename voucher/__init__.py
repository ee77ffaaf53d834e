"""Le registre ouvert des pass numériques.

Layers (arrows point one way only, a test walks the imports):
``web -> services -> domain``, ``services -> db``, ``documents`` used by services or web.
"""

__version__ = "0.1.0"
