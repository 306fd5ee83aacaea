# Area "cache": responses cached by mod_cache (CacheQuickHandler On, so hits
# skip every filter) still give each origin its own answer; subrequests
# make no CORS decision (config: t/conf/cache.conf.in).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

plan tests => 25, need_module(qw(cors cache cache_socache socache_shmcb include));

my $A    = 'https://a.example';
my $B    = 'https://b.example';
my $EVIL = 'https://evil.example';

# GET through the cache: (X-Cache verdict, ACAO lines).
sub cached {
    my ($path, $origin) = @_;
    my $res = cors_request(GET => $path, $origin);
    my ($verdict) = (($res->header('X-Cache') // '') =~ /^(HIT|MISS|REVALIDATE)/);
    return ($res, $verdict // 'none');
}

my ($res, $x);

# --- An origin list: the cache keys on Origin through Vary ----------------
($res, $x) = cached('/cache/list/f.txt', $A);
is $x, 'MISS', 'list, a: first request is a miss';
is_deeply [header_values($res, $ACAO)], [$A], 'list, a: ACAO a';
is vary_origin($res), 1, 'list, a: Vary: Origin stored with it';
($res, $x) = cached('/cache/list/f.txt', $A);
is $x, 'HIT', 'list, a again: served from the cache';
is_deeply [header_values($res, $ACAO)], [$A], 'list, a again: ACAO a, once';
($res, $x) = cached('/cache/list/f.txt', $B);
is $x, 'MISS', 'list, b: not served a\'s cached answer';
is_deeply [header_values($res, $ACAO)], [$B], 'list, b: ACAO b';
($res, $x) = cached('/cache/list/f.txt', $B);
is $x, 'HIT', 'list, b again: its own cached answer';
is_deeply [header_values($res, $ACAO)], [$B], 'list, b again: ACAO b';
($res, $x) = cached('/cache/list/f.txt', $EVIL);
is_deeply [cors_lines($res)], [], 'list, other origin: no CORS header, hit or miss';
($res, $x) = cached('/cache/list/f.txt', $EVIL);
is $x, 'HIT', 'list, other origin again: from the cache';
is_deeply [cors_lines($res)], [], 'list, other origin again: still no CORS header';
($res, $x) = cached('/cache/list/f.txt', undef);
is_deeply [cors_lines($res)], [], 'list, no Origin: no CORS header';
($res, $x) = cached('/cache/list/f.txt', $A);
is $x, 'HIT', 'list, a after the others: hit';
is_deeply [header_values($res, $ACAO)], [$A], 'list, a after the others: still ACAO a';

# --- Static wildcard: one cached answer serves everyone ------------------
($res, $x) = cached('/cache/star/f.txt', $A);
is_deeply [header_values($res, $ACAO)], ['*'], 'star, a: ACAO *';
is vary_origin($res), 0, 'star, a: no Vary: Origin';
($res, $x) = cached('/cache/star/f.txt', $B);
is $x, 'HIT', 'star, b: the same cached answer';
is_deeply [header_values($res, $ACAO)], ['*'], 'star, b: ACAO *';
($res, $x) = cached('/cache/star/f.txt', undef);
is $x, 'HIT', 'star, no Origin: the same cached answer';
is_deeply [header_values($res, $ACAO)], ['*'], 'star, no Origin: ACAO *';

# --- Subrequests: the included file's scope decides nothing --------------
my $mark = error_log_mark();
$res = cors_request(GET => '/cache/sub/page.shtml', $A);
is $res->code, 200, 'SSI page: 200';
like $res->content, qr/before api\s* after/, 'SSI page: the include ran';
is_deeply [cors_lines($res)], [], 'SSI page outside any scope: no CORS header';
unlike error_log_since($mark), qr/\[cors:debug\]/, 'SSI page: no CORS decision logged for the subrequest';
