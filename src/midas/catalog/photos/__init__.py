"""Photos of the assets: uploaded in the admin, cut into responsive variants by Pillow,
stored through Django's storage API and shown with ``<picture>`` (docs/how-to/photos.md).

A photo is an ``AssetImage`` row with an ``original`` file (drawings have a static ``src``
instead), so the pages load photos and drawings in the one query they always made.
"""
