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
(and from which distribution).  Without --lib or --libs-from it runs with
its own sets, lz4_frame.libs beside it (kafka-python with lz4tools
1.3.1.2, and with lz4); to compare others:

    leakmatrix run scenarios/lz4_frame.py --lib lz4tools==1.3.1.2
    leakmatrix run scenarios/lz4_frame.py --libs-from sets.txt

step=auto (the default) decodes frames where the installed binding can,
and otherwise measures what it still can, and says which in the result
("lz4 frame decoder came from lz4tools 1.3.1.2 (module lz4f); used: ..."):
setup() decodes one frame first, and when that raises it falls back to
step=context, opening and freeing a decompression context per iteration.
That is lz4tools from 3.10 on: its frame calls use '#' formats without
PY_SSIZE_T_CLEAN, which 3.10-3.12 refuse (SystemError), and from 3.13 the
trial itself segfaults (measured on 3.13.0, 3.14.10 and 3.15.2), so there
it is not tried; the context
calls still run, and still over-release None, on all of them.
step=decode and step=context force one path (decode fails where the
library is broken).  Skipped where no candidate imports
(--no-scenario-libs and no --lib).
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

PARAMS = {'payload_bytes': 4096, 'step': 'auto'}
PROVIDES = {'lz4 frame decoder': ['lz4.frame', 'lz4f', 'lz4framed']}
ITERATIONS = 100
# Filled by setup(): how the decoder was used in this cell (the result
# says it beside the provenance).
PROVIDES_USED = {}


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


def _decoder():
    """The module that decodes, as kafka-python would pick it."""
    if lz4_frame is not None:
        return 'lz4.frame'
    if lz4f is not None:
        return 'lz4f'
    return 'lz4framed'


def _decode(state):
    if kafka_codec is not None and kafka_codec.lz4_decode is not None:
        return kafka_codec.lz4_decode(state['frame'])
    if lz4_frame is not None:
        return lz4_frame.decompress(state['frame'])
    if lz4f is not None:
        return _lz4f_decode(state['frame'])
    return lz4framed.decompress(state['frame'])


def _one_line(e):
    return ('%s: %s' % (type(e).__name__, e)).split('\n')[0][:200]


def _auto(state, payload):
    """Decode one frame; on failure fall back to the context path, and say
    so either way."""
    import sys
    how = 'kafka.codec.lz4_decode' if kafka_codec is not None else ''
    if _decoder() == 'lz4f' and sys.version_info >= (3, 13):
        PROVIDES_USED['lz4 frame decoder'] = (
            "context calls only (step=context): lz4tools' frame calls "
            "segfault from 3.13 (not tried)")
        state['step'] = 'context'
        return
    try:
        state['frame'] = _compress(payload)
        ok = len(_decode(state)) == len(payload)
    except Exception as e:
        PROVIDES_USED['lz4 frame decoder'] = (
            'context calls only (step=context): frame decode raises %s'
            % _one_line(e))
        state['step'] = 'context'
        state.pop('frame', None)
        return
    if not ok:
        raise RuntimeError('a frame decoded to the wrong size')
    PROVIDES_USED['lz4 frame decoder'] = ('frame decode (%s)' % how
                                          if how else 'frame decode')
    state['step'] = 'decode'


def setup(params):
    step = params['step']
    if step not in ('auto', 'decode', 'context'):
        raise ValueError("step is 'auto', 'decode' or 'context', not %r"
                         % (step,))
    payload = os.urandom(max(1, params['payload_bytes'] // 2)) * 2
    state = {'size': len(payload), 'step': step}
    if step == 'auto':
        _auto(state, payload)
    elif step == 'decode':
        state['frame'] = _compress(payload)
    return state


def iterate(state):
    if state['step'] == 'context':
        if lz4_frame is not None:
            lz4_frame.LZ4FrameDecompressor()
        elif lz4f is not None:
            _lz4f_context()
        else:
            lz4framed.Decompressor()
        return
    out = _decode(state)
    if len(out) != state['size']:
        raise RuntimeError('decompressed %d bytes, expected %d'
                           % (len(out), state['size']))
