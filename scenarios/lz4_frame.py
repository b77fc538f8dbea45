"""lz4 frame decompress loop through a C extension

The Kafka consumer incident: kafka-python picks an LZ4 binding by trying
imports in turn (lz4, then lz4tools' lz4f, then lz4framed), and the broken
image had lz4tools, whose C code returned None without a new reference.
This scenario compresses one payload once and decompresses it every
iteration through the `lz4` package's frame API, the way the consumer did
for every message.  The result's imports section shows which module file
and distribution really served it.  Skipped where lz4 is not installed.
"""
import os

import lz4.frame

PARAMS = {'payload_bytes': 4096}
REQUIRES = ['lz4.frame']
ITERATIONS = 500


def setup(params):
    payload = os.urandom(max(1, params['payload_bytes'] // 2)) * 2
    return {'frame': lz4.frame.compress(payload), 'size': len(payload)}


def iterate(state):
    out = lz4.frame.decompress(state['frame'])
    if len(out) != state['size']:
        raise RuntimeError('decompressed %d bytes, expected %d'
                           % (len(out), state['size']))
