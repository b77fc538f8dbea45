/* verdict-real-series.h - readings of real cells for test-verdict-sim.c:
 * `leakmatrix run scenarios/threading_server.py` (ThreadingMixIn HTTP
 * server, 200 requests a round) on every interpreter, copied from the
 * result files (rounds[i].m and .g; the last warm-up round, then the
 * counted rounds).  Only 3.7.16 and 3.9.2 leak (bpo-37193: +18 and +26
 * blocks a request); the others move with the interpreter's own warm-up
 * drift and containers resizing back and forth.  Metrics that were n/a
 * (immortal singletons, refs_total on release builds) are left out.
 * The last three cells (issue-9b-*) come from two later runs of the same
 * command whose warm-up had not settled in the counted rounds: in one,
 * 3.11.2-debug's blocks rose +35 making new highs to the end and
 * 3.11.7's +108 with jumps of 44 and 47 while None's refcount fell by 19;
 * in the other, None's refcount on 3.11.7 fell 1, 2, 2, 2, 1 in a row.
 * The issue-18-* cells are a user's ThreadingMixIn TCP echo server, one
 * short connection per iteration at the default settings (100 a round,
 * tests/fixtures/scenarios/threaded_echo.py), on 3.8.18, 3.9.18 and
 * 3.10.13, whose interpreters grow once by 50-100 blocks at about the
 * thousandth connection and then stay flat: issue-18-echo--* are the
 * blocks of the three suspect cells (its deltas from a baseline
 * of 60000); issue-18-echo-40-rounds--* three runs of 40 counted rounds
 * (--rounds 40 --max-rounds 40, 2026-12-01), replayed at the default
 * settings (--rounds 5, --max-rounds 12 and its noisy rounds, up to 36).
 * The textio-40-rounds--* cells are not the server: a real leak in 3.11.7
 * (tests/fixtures/realleaks/textio_reconfigure_errors.py, +1 block per
 * call, 200 calls a round, 40 counted rounds, 2026-12-08) in two runs
 * where None's refcount also fell a reference a round for 25 rounds and
 * then stayed flat: the interpreter's own drift, which a plain loop of
 * the same calls does not show, and in 1 run of 4 fell in every one of
 * the first 12 counted rounds.  Blocks must leak; None must not read as
 * an over-release (it would beat the leak).  multidict-items-repr--* is
 * a test of multidict's own suite, run by pytest as a scenario (6.3.2's
 * TestCIMultiDict::test_items__repr__, default settings, 574 runs a
 * round, 2026-12-08): its blocks grew in every one of 12 rounds, 0.024 a
 * run, a cache that fills to about 250 blocks over 10,000 runs (flat by
 * then on 3.11.7 and 3.13.0): it must not read as a leak at 12 rounds.
 * Generated once; the test never reads the result files.
 */

#define REAL_MAX_METRICS 16
#define REAL_MAX_READINGS 48

struct real_metric {
    const char *name;
    enum verdict_class cls;
    double x[REAL_MAX_READINGS];
};

struct real_cell {
    const char *file;      /* the result file, for messages */
    const char *python;
    size_t rounds;         /* --rounds, --max-rounds, --iterations */
    size_t max_rounds;
    double iterations;
    size_t readings;       /* baseline and counted rounds recorded */
    int leaks;             /* really leaks: blocks must be a leak */
    struct real_metric m[REAL_MAX_METRICS];
};

static const struct real_cell real_cells[] = {

    {"main-threading_server--3.10.13",
     "3.10.13", 5, 12, 200, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            63026, 63026, 63069, 63032, 63037, 63039, 63042, 63044,
            63044, 63045, 63047, 63060, 63089}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            12488, 12488, 12507, 12488, 12488, 12488, 12488, 12488,
            12488, 12488, 12488, 12493, 12507}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            5779, 5779, 5780, 5779, 5779, 5779, 5779, 5779, 5779, 5779,
            5779, 5780, 5780}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            460, 460, 463, 460, 460, 460, 460, 460, 460, 460, 460, 460,
            463}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            5128, 5128, 5133, 5128, 5124, 5122, 5122, 5120, 5120, 5119,
            5118, 5119, 5123}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            492, 492, 494, 492, 492, 492, 492, 492, 492, 492, 492, 493,
            494}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            19546112, 19546112, 19546112, 19546112, 19546112, 19546112,
            19546112, 19546112, 19546112, 19546112, 19546112, 19546112,
            19546112}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"main-threading_server--3.11.2-debug",
     "3.11.2-debug", 5, 12, 200, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            65532, 65575, 65535, 65535, 65537, 65537, 65537, 65538,
            65540, 65551, 65551, 65540, 65539}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 7, 6, 6, 6, 6, 6, 6, 6, 7, 7, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            13850, 13867, 13850, 13850, 13850, 13850, 13850, 13850,
            13850, 13855, 13855, 13850, 13850}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            1000000574, 1000000575, 1000000574, 1000000574, 1000000574,
            1000000574, 1000000574, 1000000574, 1000000574, 1000000575,
            1000000575, 1000000574, 1000000574}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            842, 845, 842, 842, 842, 842, 842, 842, 842, 843, 843, 842,
            842}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            6681, 6686, 6681, 6681, 6679, 6679, 6679, 6679, 6678, 6679,
            6679, 6678, 6678}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
        {"refs_total", VERDICT_CLASS_COUNT, {
            206970, 207104, 206970, 206970, 206970, 206970, 206970,
            206970, 206970, 207016, 207016, 206970, 206970}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            856, 858, 856, 856, 856, 856, 856, 856, 856, 856, 856, 856,
            856}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            24338432, 24342528, 24338432, 24338432, 24338432, 24338432,
            24338432, 24338432, 24354816, 24358912, 24358912, 24354816,
            24354816}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 3, 2, 2, 2, 2, 2, 2, 2, 3, 3, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 3, 2, 2, 2, 2, 2, 2, 2, 3, 3, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"main-threading_server--3.11.2",
     "3.11.2", 5, 12, 200, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            62919, 62878, 62878, 62878, 62880, 62948, 62897, 62887,
            62889, 62889, 62890, 62890, 62890}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            7, 6, 6, 6, 6, 7, 6, 6, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            13761, 13744, 13744, 13744, 13744, 13777, 13749, 13744,
            13744, 13744, 13744, 13744, 13744}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            1000000515, 1000000514, 1000000514, 1000000514, 1000000514,
            1000000515, 1000000515, 1000000514, 1000000514, 1000000514,
            1000000514, 1000000514, 1000000514}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            824, 821, 821, 821, 821, 826, 821, 821, 821, 821, 821, 821,
            821}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            6352, 6347, 6347, 6347, 6345, 6349, 6344, 6343, 6342, 6342,
            6342, 6342, 6342}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            817, 815, 815, 815, 815, 819, 816, 815, 815, 815, 815, 815,
            815}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            21979136, 21975040, 21975040, 21975040, 21999616, 22003712,
            22003712, 21999616, 21999616, 21999616, 21999616, 21999616,
            21999616}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"main-threading_server--3.11.7",
     "3.11.7", 5, 12, 200, 10, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            70492, 70471, 70533, 70514, 70477, 70500, 70478, 70519,
            70479, 70485}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 7, 7, 6, 6, 6, 7, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            15758, 15742, 15775, 15759, 15742, 15758, 15742, 15759,
            15742, 15742}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            18, 18, 18, 18, 18, 18, 18, 18, 18, 18}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            1000000706, 1000000706, 1000000707, 1000000707, 1000000706,
            1000000706, 1000000706, 1000000707, 1000000706, 1000000706}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            950, 948, 953, 951, 948, 950, 948, 951, 948, 948}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            7306, 7305, 7311, 7310, 7305, 7306, 7305, 7310, 7305, 7305}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            1026, 1024, 1028, 1026, 1024, 1026, 1024, 1026, 1024, 1024}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            22896640, 22896640, 22900736, 22929408, 22925312, 22925312,
            22925312, 22929408, 22925312, 22925312}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 3, 3, 2, 2, 2, 3, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 3, 3, 2, 2, 2, 3, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            2, 1, 2, 1, 1, 2, 1, 1, 1, 1}},
    }},
    {"main-threading_server--3.12.1",
     "3.12.1", 5, 12, 200, 10, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            62729, 62700, 62703, 62708, 62752, 62716, 62733, 62726,
            62727, 62727}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            7, 6, 6, 6, 7, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            14180, 14163, 14163, 14163, 14180, 14163, 14168, 14163,
            14163, 14163}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            22196224, 22192128, 22192128, 22192128, 22196224, 22192128,
            22196224, 22192128, 22192128, 22192128}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 3, 2, 3, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 3, 2, 3, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"main-threading_server--3.13.0",
     "3.13.0", 5, 12, 200, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            64139, 64147, 64143, 64153, 64145, 64149, 64186, 64150,
            64151, 64150, 64152, 64152, 64192}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 6, 7, 6, 6, 6, 6, 6, 7}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            13876, 13878, 13876, 13880, 13876, 13876, 13891, 13876,
            13876, 13876, 13876, 13876, 13891}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            21667840, 21667840, 21667840, 21671936, 21667840, 21667840,
            21671936, 21667840, 21667840, 21667840, 21667840, 21667840,
            21671936}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 3, 2, 2, 3, 2, 2, 2, 2, 2, 3}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 3, 2, 2, 3, 2, 2, 2, 2, 2, 3}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"main-threading_server--3.6.15",
     "3.6.15", 5, 12, 200, 6, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            68361, 68361, 68361, 68361, 68361, 68361}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            14257, 14257, 14257, 14257, 14257, 14257}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            5, 5, 5, 5, 5, 5}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            5715, 5715, 5715, 5715, 5715, 5715}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            476, 476, 476, 476, 476, 476}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            5239, 5239, 5239, 5239, 5239, 5239}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            465, 465, 465, 465, 465, 465}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            20168704, 20168704, 20185088, 20185088, 20185088, 20185088}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            0, 0, 0, 0, 0, 0}},
    }},
    {"main-threading_server--3.7.16",
     "3.7.16", 5, 12, 200, 6, 1, {
        {"blocks", VERDICT_CLASS_COUNT, {
            91256, 94856, 98456, 102056, 105656, 109256}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            28346, 30346, 32346, 34346, 36346, 38346}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            5, 5, 5, 5, 5, 5}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            5009, 5009, 5009, 5009, 5009, 5009}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            3657, 4057, 4457, 4857, 5257, 5657}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            6218, 6218, 6218, 6218, 6218, 6218}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            3655, 4055, 4455, 4855, 5255, 5655}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            23953408, 24428544, 24895488, 25374720, 25849856, 26320896}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1600, 1800, 2000, 2200, 2400, 2600}},
    }},
    {"main-threading_server--3.8.18",
     "3.8.18", 5, 12, 200, 6, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            64998, 64998, 64998, 64998, 64998, 64998}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            12869, 12869, 12869, 12869, 12869, 12869}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            7, 7, 7, 7, 7, 7}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            5321, 5321, 5321, 5321, 5321, 5321}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            474, 474, 474, 474, 474, 474}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            4761, 4761, 4761, 4761, 4761, 4761}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            462, 462, 462, 462, 462, 462}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            19886080, 19886080, 19886080, 19886080, 19886080, 19886080}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1}},
    }},
    {"main-threading_server--3.9.18",
     "3.9.18", 5, 12, 200, 6, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            61637, 61594, 61594, 61594, 61594, 61594}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            7, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            12130, 12111, 12111, 12111, 12111, 12111}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            5618, 5617, 5617, 5617, 5617, 5617}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            491, 488, 488, 488, 488, 488}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            4841, 4836, 4836, 4836, 4836, 4836}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            479, 477, 477, 477, 477, 477}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            19292160, 19292160, 19292160, 19292160, 19292160, 19292160}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1}},
    }},
    {"main-threading_server--3.9.2",
     "3.9.2", 5, 12, 200, 8, 1, {
        {"blocks", VERDICT_CLASS_COUNT, {
            101990, 107146, 112346, 117546, 122751, 127946, 133146,
            138390}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            7, 6, 6, 6, 6, 6, 6, 7}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            39269, 42650, 46050, 49450, 52851, 56250, 59650, 63069}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            5586, 5585, 5585, 5585, 5586, 5585, 5585, 5586}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            3685, 4082, 4482, 4882, 5284, 5682, 6082, 6485}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            6374, 6569, 6769, 6969, 7173, 7369, 7569, 7774}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            3671, 4069, 4469, 4869, 5270, 5669, 6069, 6471}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            24195072, 24932352, 25505792, 26050560, 26411008, 26959872,
            27504640, 28057600}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 2, 2, 2, 3}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 2, 2, 2, 3}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1600, 1800, 2000, 2200, 2400, 2600, 2800, 3000}},
    }},
    {"threading_server--3.10.13",
     "3.10.13", 20, 30, 200, 31, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            62933, 62934, 62936, 62937, 62936, 62936, 62935, 62937,
            62982, 62939, 62939, 62939, 62951, 62941, 62939, 62941,
            62939, 62940, 62941, 62985, 62940, 62941, 62984, 62941,
            62941, 62942, 62941, 62943, 62942, 62943, 62942}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 6, 6, 6, 7, 6, 6, 6, 7, 6, 6, 6, 6, 6, 6, 7,
            6, 6, 7, 6, 6, 6, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            12488, 12488, 12488, 12488, 12488, 12488, 12488, 12488,
            12507, 12488, 12488, 12488, 12493, 12488, 12488, 12488,
            12488, 12488, 12488, 12507, 12488, 12488, 12507, 12488,
            12488, 12488, 12488, 12488, 12488, 12488, 12488}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            5779, 5779, 5779, 5779, 5779, 5779, 5779, 5779, 5780, 5779,
            5779, 5779, 5780, 5779, 5779, 5779, 5779, 5779, 5779, 5780,
            5779, 5779, 5780, 5779, 5779, 5779, 5779, 5779, 5779, 5779,
            5779}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            460, 460, 460, 460, 460, 460, 460, 460, 463, 460, 460, 460,
            461, 460, 460, 460, 460, 460, 460, 463, 460, 460, 463, 460,
            460, 460, 460, 460, 460, 460, 460}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            5174, 5174, 5173, 5173, 5173, 5173, 5173, 5172, 5176, 5170,
            5170, 5170, 5171, 5169, 5169, 5169, 5169, 5169, 5169, 5174,
            5169, 5169, 5174, 5169, 5168, 5168, 5168, 5168, 5168, 5168,
            5168}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
            17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            492, 492, 492, 492, 492, 492, 492, 492, 494, 492, 492, 492,
            492, 492, 492, 492, 492, 492, 492, 494, 492, 492, 494, 492,
            492, 492, 492, 492, 492, 492, 492}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            19513344, 19513344, 19513344, 19513344, 19513344, 19513344,
            19513344, 19513344, 19513344, 19513344, 19513344, 19513344,
            19513344, 19513344, 19513344, 19513344, 19513344, 19513344,
            19513344, 19513344, 19513344, 19513344, 19513344, 19513344,
            19513344, 19513344, 19513344, 19513344, 19513344, 19513344,
            19513344}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 2, 2, 3, 2, 2, 2, 2, 2, 2, 3,
            2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 2, 2, 3, 2, 2, 2, 2, 2, 2, 3,
            2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"threading_server--3.13.0",
     "3.13.0", 20, 30, 200, 31, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            64130, 64132, 64171, 64140, 64179, 64144, 64147, 64148,
            64151, 64153, 64151, 64151, 64152, 64151, 64151, 64187,
            64188, 64188, 64152, 64152, 64152, 64152, 64152, 64153,
            64154, 64154, 64153, 64153, 64154, 64155, 64190}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 7, 6, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 6, 6,
            6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            13876, 13876, 13891, 13876, 13891, 13876, 13876, 13876,
            13876, 13876, 13876, 13876, 13876, 13876, 13876, 13891,
            13891, 13891, 13876, 13876, 13876, 13876, 13876, 13876,
            13876, 13876, 13876, 13876, 13876, 13876, 13891}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            21659648, 21659648, 21663744, 21659648, 21663744, 21659648,
            21659648, 21659648, 21659648, 21659648, 21659648, 21659648,
            21659648, 21659648, 21659648, 21663744, 21663744, 21663744,
            21659648, 21659648, 21659648, 21659648, 21659648, 21659648,
            21659648, 21659648, 21659648, 21659648, 21659648, 21659648,
            21663744}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            3, 2, 3, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 2, 2,
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 3, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 2, 2,
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"issue-9b-a-threading_server--3.11.2-debug",
     "3.11.2-debug", 5, 12, 200, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            65610, 65616, 65616, 65620, 65619, 65622, 65623, 65628,
            65627, 65631, 65635, 65641, 65645}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            13850, 13850, 13850, 13850, 13850, 13850, 13850, 13852,
            13850, 13850, 13850, 13850, 13850}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            1000000574, 1000000574, 1000000574, 1000000574, 1000000574,
            1000000574, 1000000574, 1000000575, 1000000574, 1000000574,
            1000000574, 1000000574, 1000000574}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            842, 842, 842, 842, 842, 842, 842, 844, 842, 842, 842, 842,
            842}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            6425, 6424, 6424, 6423, 6423, 6423, 6423, 6426, 6421, 6421,
            6420, 6419, 6419}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
        {"refs_total", VERDICT_CLASS_COUNT, {
            206972, 206972, 206972, 206972, 206972, 206972, 206972,
            207002, 206972, 206972, 206972, 206972, 206972}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            856, 856, 856, 856, 856, 856, 856, 857, 856, 856, 856, 856,
            856}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            24367104, 24367104, 24367104, 24367104, 24367104, 24367104,
            24367104, 24367104, 24367104, 24367104, 24367104, 24367104,
            24367104}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"issue-9b-a-threading_server--3.11.7",
     "3.11.7", 5, 12, 200, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            70368, 70370, 70391, 70399, 70399, 70446, 70438, 70448,
            70492, 70459, 70460, 70470, 70476}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 7, 6, 6, 7, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            15742, 15742, 15742, 15742, 15742, 15759, 15742, 15742,
            15759, 15742, 15742, 15742, 15742}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            1000000706, 1000000706, 1000000706, 1000000706, 1000000706,
            1000000707, 1000000706, 1000000706, 1000000707, 1000000706,
            1000000706, 1000000706, 1000000706}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            948, 948, 948, 948, 948, 951, 948, 948, 951, 948, 948, 948,
            948}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            7185, 7185, 7178, 7176, 7176, 7181, 7171, 7169, 7174, 7169,
            7169, 7168, 7166}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            1024, 1024, 1024, 1024, 1024, 1026, 1024, 1024, 1026, 1024,
            1024, 1024, 1024}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            22962176, 22962176, 22962176, 22990848, 22990848, 22994944,
            22994944, 22994944, 22999040, 22999040, 22999040, 22999040,
            22999040}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 3, 2, 2, 3, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 3, 2, 2, 3, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
    }},
    {"issue-9b-b-threading_server--3.11.7",
     "3.11.7", 5, 12, 200, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            70295, 70294, 70296, 70296, 70301, 70302, 70304, 70305,
            70341, 70320, 70323, 70325, 70325}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            15742, 15742, 15742, 15742, 15742, 15742, 15742, 15742,
            15758, 15742, 15742, 15742, 15742}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            1000000706, 1000000706, 1000000706, 1000000706, 1000000706,
            1000000706, 1000000706, 1000000706, 1000000706, 1000000706,
            1000000706, 1000000706, 1000000706}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            948, 948, 948, 948, 948, 948, 948, 948, 950, 948, 948, 948,
            948}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            7383, 7383, 7383, 7383, 7382, 7382, 7382, 7382, 7380, 7378,
            7376, 7375, 7375}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024, 1026, 1024,
            1024, 1024, 1024}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            22884352, 22884352, 22884352, 22884352, 22888448, 22888448,
            22888448, 22888448, 22888448, 22888448, 22888448, 22888448,
            22888448}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
        {"server_threads", VERDICT_CLASS_COUNT, {
            1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1}},
    }},
    {"issue-18-echo--3.10.13",
     "3.10.13", 5, 12, 100, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            60000, 60003, 60003, 60015, 60019, 60015, 60015, 60023, 60099,
            60099, 60099, 60116, 60116}},
    }},
    {"issue-18-echo--3.9.18",
     "3.9.18", 5, 12, 100, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            60000, 59983, 59983, 59987, 60004, 59987, 60004, 60004, 60055,
            60051, 60051, 60068, 60051}},
    }},
    {"issue-18-echo--3.8.18",
     "3.8.18", 5, 12, 100, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            60000, 59990, 59994, 60008, 59992, 59992, 59993, 59997, 60077,
            60086, 60061, 60077, 60077}},
    }},
    {"issue-18-echo-40-rounds--3.8.18",
     "3.8.18", 5, 12, 100, 41, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            33021, 33023, 33024, 33026, 33026, 33026, 33026, 33026, 33090,
            33090, 33090, 33090, 33125, 33090, 33090, 33119, 33090, 33090,
            33090, 33090, 33090, 33090, 33090, 33119, 33131, 33127, 33090,
            33119, 33090, 33090, 33090, 33090, 33090, 33090, 33090, 33090,
            33090, 33090, 33090, 33090, 33090}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6,
            6, 6, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            8120, 8120, 8120, 8120, 8120, 8120, 8120, 8120, 8120, 8120, 8120,
            8120, 8142, 8120, 8120, 8138, 8120, 8120, 8120, 8120, 8120, 8120,
            8120, 8138, 8145, 8142, 8120, 8138, 8120, 8120, 8120, 8120, 8120,
            8120, 8120, 8120, 8120, 8120, 8120, 8120, 8120}},
        {"heap_bytes", VERDICT_CLASS_HEAP_BYTES, {
            1648960, 1651984, 1653888, 1654208, 1654208, 1654944, 1654208,
            1654992, 1654400, 1654944, 1654256, 1654352, 1656096, 1654448,
            1654944, 1655136, 1654992, 1654208, 1654208, 1654208, 1654400,
            1654304, 1654208, 1654944, 1656096, 1656096, 1654304, 1655088,
            1654256, 1654896, 1654208, 1654256, 1654448, 1654256, 1654208,
            1654896, 1654208, 1654208, 1654256, 1654896, 1654208}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
            7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            3218, 3218, 3218, 3218, 3218, 3218, 3218, 3218, 3218, 3218, 3218,
            3218, 3220, 3218, 3218, 3219, 3218, 3218, 3218, 3218, 3218, 3218,
            3218, 3219, 3220, 3220, 3218, 3219, 3218, 3218, 3218, 3218, 3218,
            3218, 3218, 3218, 3218, 3218, 3218, 3218, 3218}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            261, 261, 261, 261, 261, 261, 261, 261, 261, 261, 261, 261, 265,
            261, 261, 264, 261, 261, 261, 261, 261, 261, 261, 264, 265, 264,
            261, 264, 261, 261, 261, 261, 261, 261, 261, 261, 261, 261, 261,
            261, 261}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            4169, 4169, 4169, 4169, 4169, 4169, 4169, 4169, 4169, 4169, 4169,
            4169, 4174, 4169, 4169, 4174, 4169, 4169, 4169, 4169, 4169, 4169,
            4169, 4174, 4174, 4174, 4169, 4174, 4169, 4169, 4169, 4169, 4169,
            4169, 4169, 4169, 4169, 4169, 4169, 4169, 4169}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
            17, 17, 17, 17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 259,
            256, 256, 260, 256, 256, 256, 256, 256, 256, 256, 260, 259, 260,
            256, 260, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256,
            256, 256}},
        {"refs_types", VERDICT_CLASS_COUNT, {
            99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
            99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
            99, 99, 99, 99, 99, 99, 99, 99, 99}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            11587584, 11591680, 11591680, 11591680, 11591680, 11591680,
            11591680, 11591680, 11595776, 11595776, 11595776, 11595776,
            11595776, 11595776, 11595776, 11599872, 11599872, 11599872,
            11599872, 11599872, 11599872, 11599872, 11599872, 11599872,
            11599872, 11599872, 11599872, 11599872, 11599872, 11599872,
            11599872, 11599872, 11599872, 11599872, 11599872, 11599872,
            11599872, 11599872, 11599872, 11599872, 11599872}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2,
            2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2,
            2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
    }},
    {"issue-18-echo-40-rounds--3.9.18",
     "3.9.18", 5, 12, 100, 41, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            35390, 35348, 35348, 35350, 35350, 35392, 35392, 35392, 35414,
            35456, 35414, 35414, 35414, 35450, 35444, 35414, 35414, 35456,
            35414, 35444, 35444, 35456, 35414, 35414, 35457, 35414, 35414,
            35444, 35414, 35444, 35444, 35505, 35414, 35444, 35414, 35414,
            35414, 35414, 35456, 35456, 35452}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            7, 6, 6, 6, 6, 7, 7, 7, 6, 7, 6, 6, 6, 7, 6, 6, 6, 7, 6, 6, 6, 7,
            6, 6, 7, 6, 6, 6, 6, 6, 6, 8, 6, 6, 6, 6, 6, 6, 7, 7, 6}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            8716, 8691, 8691, 8691, 8691, 8716, 8716, 8716, 8691, 8716, 8691,
            8691, 8691, 8713, 8709, 8691, 8691, 8716, 8691, 8709, 8709, 8716,
            8691, 8691, 8716, 8691, 8691, 8709, 8691, 8709, 8709, 8741, 8691,
            8709, 8691, 8691, 8691, 8691, 8716, 8716, 8713}},
        {"heap_bytes", VERDICT_CLASS_HEAP_BYTES, {
            1651760, 1651584, 1652032, 1652032, 1652096, 1653120, 1653136,
            1653152, 1651184, 1653184, 1651152, 1652000, 1651360, 1653136,
            1652112, 1651232, 1651408, 1653040, 1651328, 1651936, 1652112,
            1653168, 1652032, 1652032, 1653120, 1652064, 1651232, 1652080,
            1652032, 1652048, 1652080, 1654928, 1652064, 1652144, 1652096,
            1652032, 1652032, 1652032, 1653072, 1653216, 1653168}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            3613, 3612, 3612, 3612, 3612, 3613, 3613, 3613, 3612, 3613, 3612,
            3612, 3612, 3613, 3613, 3612, 3612, 3613, 3612, 3613, 3613, 3613,
            3612, 3612, 3614, 3612, 3612, 3613, 3612, 3613, 3613, 3614, 3612,
            3613, 3612, 3612, 3612, 3612, 3613, 3613, 3613}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            282, 280, 280, 280, 280, 282, 282, 282, 280, 282, 280, 280, 280,
            282, 283, 280, 280, 282, 280, 283, 283, 282, 280, 280, 284, 280,
            280, 283, 280, 283, 283, 284, 280, 283, 280, 280, 280, 280, 282,
            282, 281}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            4167, 4166, 4166, 4166, 4166, 4167, 4167, 4167, 4166, 4167, 4166,
            4166, 4166, 4167, 4171, 4166, 4166, 4167, 4166, 4171, 4171, 4167,
            4166, 4166, 4171, 4166, 4166, 4171, 4166, 4171, 4171, 4168, 4166,
            4171, 4166, 4166, 4166, 4166, 4167, 4167, 4167}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
            17, 17, 17, 17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            278, 275, 275, 275, 275, 278, 278, 278, 275, 278, 275, 275, 275,
            278, 279, 275, 275, 278, 275, 279, 279, 278, 275, 275, 278, 275,
            275, 279, 275, 279, 279, 281, 275, 279, 275, 275, 275, 275, 278,
            278, 279}},
        {"refs_types", VERDICT_CLASS_COUNT, {
            397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397,
            397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397,
            397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397, 397,
            397, 397}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            11563008, 11563008, 11563008, 11563008, 11563008, 11563008,
            11563008, 11563008, 11567104, 11571200, 11571200, 11571200,
            11571200, 11571200, 11571200, 11571200, 11571200, 11571200,
            11571200, 11571200, 11571200, 11571200, 11571200, 11571200,
            11571200, 11571200, 11571200, 11571200, 11571200, 11575296,
            11575296, 11575296, 11575296, 11575296, 11575296, 11575296,
            11575296, 11575296, 11575296, 11575296, 11575296}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 2, 3, 3, 3, 2, 3, 2, 2, 2, 3, 2, 2, 2, 3, 2, 2, 2, 3,
            2, 2, 3, 2, 2, 2, 2, 2, 2, 4, 2, 2, 2, 2, 2, 2, 3, 3, 3}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            3, 2, 2, 2, 2, 3, 3, 3, 2, 3, 2, 2, 2, 3, 2, 2, 2, 3, 2, 2, 2, 3,
            2, 2, 3, 2, 2, 2, 2, 2, 2, 4, 2, 2, 2, 2, 2, 2, 3, 3, 3}},
    }},
    {"issue-18-echo-40-rounds--3.10.13",
     "3.10.13", 5, 12, 100, 41, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            36280, 36325, 36312, 36324, 36337, 36294, 36294, 36324, 36402,
            36372, 36372, 36402, 36372, 36402, 36410, 36415, 36372, 36402,
            36402, 36414, 36414, 36402, 36372, 36372, 36402, 36372, 36402,
            36372, 36415, 36402, 36372, 36373, 36373, 36373, 36415, 36415,
            36416, 36373, 36373, 36373, 36415}},
        {"fds", VERDICT_CLASS_RESOURCE, {
            6, 7, 6, 6, 7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 6, 6, 6, 7, 7, 6,
            6, 6, 6, 6, 6, 6, 7, 6, 6, 6, 6, 6, 7, 7, 7, 6, 6, 6, 7}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            9017, 9045, 9038, 9038, 9045, 9017, 9017, 9038, 9038, 9017, 9017,
            9038, 9017, 9038, 9041, 9045, 9017, 9038, 9038, 9044, 9044, 9038,
            9017, 9017, 9038, 9017, 9038, 9017, 9045, 9038, 9017, 9017, 9017,
            9017, 9044, 9044, 9045, 9017, 9017, 9017, 9044}},
        {"heap_bytes", VERDICT_CLASS_HEAP_BYTES, {
            1783808, 1784832, 1783712, 1783856, 1784880, 1783152, 1783072,
            1783888, 1784352, 1784048, 1784592, 1784688, 1784688, 1784672,
            1785888, 1785808, 1784688, 1784592, 1784768, 1785840, 1785712,
            1784720, 1784688, 1784672, 1784720, 1784688, 1784736, 1784720,
            1785792, 1784688, 1784720, 1787376, 1787488, 1787344, 1788640,
            1788512, 1788704, 1787488, 1786752, 1787488, 1788688}},
        {"refs_ellipsis", VERDICT_CLASS_SINGLETON, {
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
            8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}},
        {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, {
            3761, 3763, 3762, 3762, 3763, 3761, 3761, 3762, 3762, 3761, 3761,
            3762, 3761, 3762, 3762, 3763, 3761, 3762, 3762, 3762, 3762, 3762,
            3761, 3761, 3762, 3761, 3762, 3761, 3763, 3762, 3761, 3761, 3761,
            3761, 3762, 3762, 3763, 3761, 3761, 3761, 3762}},
        {"refs_false", VERDICT_CLASS_SINGLETON, {
            273, 277, 276, 276, 277, 273, 273, 276, 276, 273, 273, 276, 273,
            276, 274, 277, 273, 276, 276, 275, 275, 276, 273, 273, 276, 273,
            276, 273, 277, 276, 273, 273, 273, 273, 275, 275, 277, 273, 273,
            273, 275}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            4546, 4551, 4551, 4551, 4551, 4546, 4546, 4551, 4551, 4546, 4546,
            4551, 4546, 4551, 4547, 4551, 4546, 4551, 4551, 4547, 4547, 4551,
            4546, 4546, 4551, 4546, 4551, 4546, 4551, 4551, 4546, 4546, 4546,
            4546, 4547, 4547, 4551, 4546, 4546, 4546, 4547}},
        {"refs_notimplemented", VERDICT_CLASS_SINGLETON, {
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
            17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17,
            17, 17, 17, 17, 17, 17, 17, 17, 17}},
        {"refs_true", VERDICT_CLASS_SINGLETON, {
            295, 298, 299, 299, 298, 295, 295, 299, 299, 295, 295, 299, 295,
            299, 299, 298, 295, 299, 299, 298, 298, 299, 295, 295, 299, 295,
            299, 295, 298, 299, 295, 295, 295, 295, 298, 298, 298, 295, 295,
            295, 298}},
        {"refs_types", VERDICT_CLASS_COUNT, {
            669, 672, 672, 672, 672, 669, 669, 672, 672, 669, 669, 672, 669,
            672, 671, 672, 669, 672, 672, 671, 671, 672, 669, 669, 672, 669,
            672, 669, 672, 672, 669, 669, 669, 669, 671, 671, 672, 669, 669,
            669, 671}},
        {"rss_bytes", VERDICT_CLASS_BYTES, {
            11702272, 11702272, 11702272, 11702272, 11710464, 11710464,
            11710464, 11710464, 11710464, 11722752, 11722752, 11722752,
            11722752, 11722752, 11722752, 11722752, 11722752, 11722752,
            11722752, 11722752, 11722752, 11722752, 11722752, 11722752,
            11726848, 11726848, 11726848, 11726848, 11726848, 11726848,
            11726848, 11735040, 11735040, 11735040, 11735040, 11735040,
            11735040, 11735040, 11735040, 11735040, 11735040}},
        {"threads_os", VERDICT_CLASS_RESOURCE, {
            2, 3, 2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 2, 2, 2, 3, 3, 2,
            2, 2, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2, 3, 3, 3, 2, 2, 2, 3}},
        {"threads_py", VERDICT_CLASS_RESOURCE, {
            2, 3, 2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 2, 2, 2, 3, 3, 2,
            2, 2, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2, 3, 3, 3, 2, 2, 2, 3}},
    }},

    {"textio-40-rounds--3.11.7-2",
     "3.11.7", 5, 12, 200, 41, 1, {
        {"blocks", VERDICT_CLASS_COUNT, {
            44721, 44922, 45123, 45324, 45525, 45726, 45927, 46128, 46329,
            46530, 46731, 46932, 47133, 47334, 47535, 47736, 47936, 48137,
            48338, 48539, 48740, 48941, 49142, 49343, 49544, 49745, 49944,
            50144, 50344, 50544, 50744, 50944, 51144, 51344, 51544, 51744,
            51944, 52144, 52344, 52544, 52744}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095,
            12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095,
            12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095,
            12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095,
            12095, 12095, 12095, 12095, 12095}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            5959, 5958, 5958, 5957, 5957, 5956, 5956, 5955, 5954, 5953,
            5952, 5951, 5950, 5949, 5948, 5947, 5947, 5946, 5945, 5945,
            5944, 5943, 5942, 5941, 5940, 5939, 5939, 5939, 5939, 5939,
            5939, 5939, 5939, 5939, 5939, 5939, 5939, 5939, 5939, 5939,
            5939}},
    }},

    {"textio-40-rounds--3.11.7-4",
     "3.11.7", 5, 12, 200, 41, 1, {
        {"blocks", VERDICT_CLASS_COUNT, {
            44722, 44923, 45124, 45325, 45526, 45727, 45928, 46129, 46330,
            46531, 46732, 46933, 47134, 47335, 47536, 47737, 47937, 48138,
            48339, 48540, 48741, 48940, 49140, 49340, 49540, 49740, 49940,
            50140, 50340, 50540, 50740, 50940, 51140, 51340, 51540, 51740,
            51940, 52140, 52340, 52540, 52740}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095,
            12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095,
            12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095,
            12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095, 12095,
            12095, 12095, 12095, 12095, 12095}},
        {"refs_none", VERDICT_CLASS_SINGLETON, {
            5974, 5973, 5973, 5972, 5972, 5971, 5971, 5970, 5969, 5968,
            5967, 5966, 5965, 5964, 5963, 5962, 5962, 5961, 5960, 5960,
            5959, 5959, 5959, 5959, 5959, 5959, 5959, 5959, 5959, 5959,
            5959, 5959, 5959, 5959, 5959, 5959, 5959, 5959, 5959, 5959,
            5959}},
    }},

    {"multidict-items-repr--3.12.1",
     "3.12.1", 5, 12, 574, 13, 0, {
        {"blocks", VERDICT_CLASS_COUNT, {
            243537, 243549, 243558, 243581, 243589, 243597, 243605, 243624,
            243655, 243676, 243690, 243696, 243701}},
        {"gc_objects", VERDICT_CLASS_COUNT, {
            34400, 34400, 34400, 34400, 34400, 34400, 34400, 34400, 34400,
            34400, 34400, 34400, 34400}},
    }},
};
