# Area "resp": HEAD gets the same CORS headers as GET, and requests sharing
# one keep-alive connection each get the answer for their own Origin
# (config: t/conf/resp.conf.in).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use CorsTest;
use File::Spec::Functions qw(catfile);
use Time::HiRes qw(sleep);

plan tests => 27, need_module('cors');

my $A    = 'https://a.example';
my $B    = 'https://b.example';
my $EVIL = 'https://evil.example';

# The CORS-related headers of a response, as "Name: value" lines, sorted.
sub answer_lines {
    my ($res) = @_;
    my @lines;
    for my $name ('Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials',
                  'Access-Control-Expose-Headers', 'Vary') {
        push @lines, map { "$name: $_" } header_values($res, $name);
    }
    return \@lines;
}

# HEAD: same CORS headers as GET, on success, errors, refused origins, proxy, CGI.
for my $case (['/resp/err/file.txt', $A, 200],
              ['/resp/err/file.txt', $EVIL, 200],
              ['/resp/err/missing.txt', $A, 404],
              ['/resp/err/denied/file.txt', $A, 403],
              ['/resp/auth/', $A, 401],
              ['/resp/edoc/missing.txt', $A, 404],
              ['/resp/cgi/resp_echo.cgi?cors&vary', $A, 200],
              ['/resp/proxy/acao/file.txt', $A, 200]) {
    my ($url, $origin, $code) = @$case;
    my $get  = cors_request(GET  => $url, $origin);
    my $head = cors_request(HEAD => $url, $origin);
    is $head->code, $code, "HEAD $url ($origin): $code";
    is_deeply answer_lines($head), answer_lines($get), "HEAD $url ($origin): same CORS headers as GET";
}
# (and the GET side really has them)
is_deeply [header_values(cors_request(HEAD => '/resp/err/file.txt', $A), $ACAO)], [$A],
    'HEAD: exactly one ACAO';

# Keep-alive: four requests with different origins on one connection.
my $log  = catfile(Apache::Test::vars('t_logs'), 'resp_ka_log');
my $mark = -s $log || 0;    # the log survives earlier runs: read only what follows
Apache::TestRequest::user_agent(reset => 1, keep_alive => 1);
my @seq = ([$A, $A], [$B, $B], [$EVIL, undef], [$A, $A]);
my @nums;
for my $i (0 .. $#seq) {
    my ($origin, $want) = @{ $seq[$i] };
    my $res = cors_request(GET => "/resp/ka/file.txt?run=$$", $origin);
    is $res->code, 200, "keep-alive request $i ($origin): 200";
    is_deeply [header_values($res, $ACAO)], [defined $want ? $want : ()],
        "keep-alive request $i ($origin): its own answer";
    push @nums, $res->header('Client-Response-Num') // 0;
}
is_deeply \@nums, [1, 2, 3, 4], 'keep-alive: client saw one connection (Client-Response-Num 1..4)';

# The server agrees: %k (earlier requests on this connection) is 0, 1, 2, 3.
my @lines;
for (1 .. 50) {
    @lines = ();
    if (open my $fh, '<', $log) { seek $fh, $mark, 0; @lines = grep { s/\?run=$$\n\z// } <$fh> }
    last if @lines >= 4;
    sleep 0.1;
}
is_deeply \@lines, ["0 $A", "1 $B", "2 $EVIL", "3 $A"],
    'keep-alive: server log shows one connection, the four origins in order';
Apache::TestRequest::user_agent(reset => 1);
