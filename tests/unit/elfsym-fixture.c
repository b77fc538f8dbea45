/* elfsym-fixture.c - the shared objects test-elfsym.c reads.  Built with
 * -DCOUNTED it imports _Py_NegativeRefcount, as every extension built for
 * a debug interpreter does (Py_DECREF under Py_REF_DEBUG); without it,
 * nothing of the kind, as an extension built for a release one. */
#ifdef COUNTED
void _Py_NegativeRefcount(const char *filename, int lineno, void *op);

void
elfsym_fixture_touch(void *op)
{
    _Py_NegativeRefcount(__FILE__, __LINE__, op);
}
#else
int
elfsym_fixture_touch(int x)
{
    return x + 1;
}
#endif
