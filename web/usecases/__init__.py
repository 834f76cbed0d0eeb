"""The use cases that the pages, the API, the command line and the background jobs share.

No Flask request objects and no templates here: a use case takes plain values (an engine or a
session, ids, paths) and returns plain values. Importing this package registers the job
handlers of every area.
"""

from web.usecases import bundles, cataloguing, curating, embedders, media, playback, seasons

__all__ = ["bundles", "cataloguing", "curating", "embedders", "media", "playback", "seasons"]
