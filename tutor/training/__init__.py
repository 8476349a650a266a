"""Provides MNIST training for the tutor: data sources, the notes' models, a worker process and its client.

Importing this package (and ``client``, ``config``, ``state``, ``sources``, ``idx``, ``protocol``, ``confusion``)
does not import torch; ``models``, ``loop``, ``device``, ``checkpoint`` and ``worker`` do.
"""
