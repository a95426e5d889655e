"""Local images resized at build time: each raster file under `content/` and `static/` in the
sizes the theme displays, as WebP with the original format as fallback.

Owns: finding a page's local image (`locate`), the sizes (`sizes.SIZES`), the resizing itself
(`resize`), the cache of resized files in `.tongwen-cache/images/` (`table.prepare`), the table a
render reads (`ImageTable`) with its signature for the incremental keys, and the `<picture>` markup
(`markup`).
Must not: write into the output folder (the build writes `ImageTable.outputs()`), render pages,
or read anything but image files.
"""

from .locate import locate
from .table import ImageTable, Picture, prepare

__all__ = ["ImageTable", "Picture", "locate", "prepare"]
