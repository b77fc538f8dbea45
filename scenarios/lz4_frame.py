"""lz4 frame decompress loop through whichever LZ4 binding is installed

The Kafka consumer incident: kafka-python picks an LZ4 binding by trying
imports in turn (lz4's lz4.frame, then lz4tools' lz4f, then lz4framed), and
the broken image had lz4tools, whose C code returns None without a new
reference: every freed decompression context steals one from None.  This
scenario decodes through kafka-python's own codec when kafka-python is in
the set (kafka.codec.lz4_decode, the consumer's path), else picks the
binding the same way itself; it compresses one payload once and decodes it
every iteration, as the consumer did for every message.
PROVIDES makes the result say which candidate really decoded the frames
(and from which distribution); run it with library sets to compare them:

    leakmatrix run scenarios/lz4_frame.py --lib lz4tools==1.3.1.2
    leakmatrix run scenarios/lz4_frame.py --libs-from sets.txt

step=context only opens and frees a decompression context per iteration:
lz4tools' frame calls use '#' formats without PY_SSIZE_T_CLEAN, which
CPython 3.10 and later refuse (SystemError) and 3.13 may crash on, while
the context calls still run, and still over-release None, there.
Skipped where no candidate imports.
"""
import os

try:
    import lz4.frame as lz4_frame
except ImportError:
    lz4_frame = None
try:
    import lz4f
except ImportError:
    lz4f = None
try:
    import lz4framed
except ImportError:
    lz4framed = None
try:
    from kafka import codec as kafka_codec
except ImportError:
    kafka_codec = None

PARAMS = {'payload_bytes': 4096, 'step': 'decode'}
PROVIDES = {'lz4 frame decoder': ['lz4.frame', 'lz4f', 'lz4framed']}
ITERATIONS = 100


def _compress(data):
    if kafka_codec is not None and kafka_codec.lz4_encode is not None:
        return kafka_codec.lz4_encode(data)
    if lz4_frame is not None:
        return lz4_frame.compress(data)
    if lz4f is not None:
        return lz4f.compressFrame(data)
    return lz4framed.compress(data)


def _lz4f_context():
    ctx = lz4f.createDecompContext()
    lz4f.freeDecompContext(ctx)


def _lz4f_decode(frame):
    # kafka-python's lz4_decode for lz4f, call for call.
    ctx = lz4f.createDecompContext()
    data = lz4f.decompressFrame(frame, ctx)
    lz4f.freeDecompContext(ctx)
    return data['decomp']


def setup(params):
    step = params['step']
    if step not in ('decode', 'context'):
        raise ValueError("step is 'decode' or 'context', not %r" % (step,))
    payload = os.urandom(max(1, params['payload_bytes'] // 2)) * 2
    state = {'size': len(payload), 'step': step}
    if step == 'decode':
        state['frame'] = _compress(payload)
    return state


def iterate(state):
    if (kafka_codec is not None and kafka_codec.lz4_decode is not None
            and state['step'] == 'decode'):
        out = kafka_codec.lz4_decode(state['frame'])
    elif lz4_frame is not None:
        if state['step'] == 'context':
            lz4_frame.LZ4FrameDecompressor()
            return
        out = lz4_frame.decompress(state['frame'])
    elif lz4f is not None:
        if state['step'] == 'context':
            _lz4f_context()
            return
        out = _lz4f_decode(state['frame'])
    else:
        if state['step'] == 'context':
            lz4framed.Decompressor()
            return
        out = lz4framed.decompress(state['frame'])
    if len(out) != state['size']:
        raise RuntimeError('decompressed %d bytes, expected %d'
                           % (len(out), state['size']))
