use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

# Subrequests and internal redirects: a DirectoryIndex lookup and a
# per-directory RewriteRule (internal redirect from /scope/rwsrc, which has
# no CORS, into the Cors On location /scope/a) get the CORS answer exactly
# once, decided by the section of the URL finally served.

plan tests => 30, need_module('cors', 'dir', 'rewrite');

# Number of mod_cors decision lines logged while $code runs.
sub cors_decisions {
    my ($code) = @_;
    my $mark = error_log_mark();
    my $res = $code->();
    my $n = grep { /\[cors:debug\].* (?:allowed by|refused in) / } split /\n/, error_log_since($mark);
    return ($res, $n);
}

my ($res, $n);

# DirectoryIndex in a <Directory> scope: /scope/dir/ served by index.html.
($res, $n) = cors_decisions(sub { cors_request(GET => '/scope/dir/', 'https://dir.example') });
is $res->code, 200, 'dir/: 200';
like $res->content, qr/scope dir index/, 'dir/: served by index.html';
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://dir.example'],
    'dir/: ACAO exactly once';
is_deeply [header_values($res, 'Access-Control-Allow-Credentials')], ['true'],
    'dir/: ACAC exactly once';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], ['X-Dir-Out'],
    'dir/: ACEH exactly once';
is vary_origin($res), 1, 'dir/: Vary: Origin exactly once';
is $n, 1, 'dir/: one CORS decision (subrequest skipped)';

$res = cors_request(GET => '/scope/dir/', 'https://other.example');
is_deeply [cors_lines($res)], [], 'dir/: refused origin, no CORS headers';
is vary_origin($res), 1, 'dir/: refused origin, Vary: Origin once';

($res, $n) = cors_decisions(sub { preflight('/scope/dir/', 'https://dir.example', 'DELETE', 'X-Dir') });
is $res->code, 204, 'dir/: preflight 204';
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://dir.example'],
    'dir/: preflight ACAO once';
is_deeply [header_values($res, 'Access-Control-Allow-Methods')], ['GET, POST, DELETE'],
    'dir/: preflight ACAM once';
is $n, 1, 'dir/: preflight decided once';

# DirectoryIndex in a <Location> scope.
($res, $n) = cors_decisions(sub { cors_request(GET => '/scope/a/', 'https://a.example') });
is $res->code, 200, 'a/: 200';
like $res->content, qr/scope a index/, 'a/: served by index.html';
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://a.example'],
    'a/: ACAO exactly once';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], ['X-Parent-Out'],
    'a/: ACEH exactly once';
is $n, 1, 'a/: one CORS decision';

# Internal redirect by mod_rewrite from an unscoped directory into /scope/a.
($res, $n) = cors_decisions(sub { cors_request(GET => '/scope/rwsrc/f.txt', 'https://a.example') });
is $res->code, 200, 'rewrite: 200';
like $res->content, qr/^scope a$/m, 'rewrite: the target /scope/a/f.txt was served';
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://a.example'],
    'rewrite: ACAO from the target location, once';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], ['X-Parent-Out'],
    'rewrite: target location expose headers, once';
is vary_origin($res), 1, 'rewrite: Vary: Origin once';
is $n, 1, 'rewrite: one CORS decision';

$res = cors_request(GET => '/scope/rwsrc/f.txt', 'https://c.example');
is_deeply [cors_lines($res)], [], 'rewrite: origin refused by the target policy';

($res, $n) = cors_decisions(sub { preflight('/scope/rwsrc/f.txt', 'https://b.example', 'PUT', 'X-Parent') });
is $res->code, 204, 'rewrite: preflight answered by mod_cors after the redirect';
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://b.example'],
    'rewrite: preflight ACAO once';
is_deeply [header_values($res, 'Access-Control-Max-Age')], ['600'],
    'rewrite: preflight max age of the target location';
is $n, 1, 'rewrite: preflight decided once';

# Without Origin: the target's policy has two origins, so no ACAO.
$res = cors_request(GET => '/scope/rwsrc/f.txt', undef);
is_deeply [cors_lines($res)], [], 'rewrite: no Origin, no ACAO (two origins in the target policy)';
