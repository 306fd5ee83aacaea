#!/usr/bin/perl
# ops area (t/ops_report.t): an API that does CORS itself, as many scripts
# do: it echoes an Origin of its own allow-list (a and b), and answers every
# OPTIONS itself (200, methods, headers, a marker header and body), so a test
# can tell that a preflight reached it. Nothing in the output depends on the
# virtual host, so its bytes can be compared across hosts (t/conf/ops.conf.in
# buffers it with mod_buffer: unbuffered, httpd chose Content-Length or
# chunked by timing, even when the script sent a Content-Length).
use strict;
use warnings;

# Query word mode=star: "*" for methods and headers, with credentials;
# mode=any: "Access-Control-Allow-Origin: *" with credentials for every
# request (a classic mistake: no browser accepts the pair).
my $method = $ENV{REQUEST_METHOD} // 'GET';
my $origin = $ENV{HTTP_ORIGIN} // '';
my ($mode) = ($ENV{QUERY_STRING} // '') =~ /(?:^|&)mode=(\w+)/;
$mode //= '';
my @head;
if ($mode eq 'any') {
    push @head, 'Access-Control-Allow-Origin: *',
                'Access-Control-Allow-Credentials: true';
}
elsif ($origin =~ m{\Ahttps://[ab]\.example\z}) {
    push @head, "Access-Control-Allow-Origin: $origin";
    push @head, 'Access-Control-Allow-Credentials: true' if $mode eq 'star';
}
push @head, 'Vary: Origin';
if ($method eq 'OPTIONS') {
    push @head, $mode eq 'star'
        ? ('Access-Control-Allow-Methods: *', 'Access-Control-Allow-Headers: *')
        : ('Access-Control-Allow-Methods: GET, PUT',
           'Access-Control-Allow-Headers: x-token');
}
my $body = "ops cgi answered $method\n";
push @head, "X-Ops-Cgi: \L$method", 'Content-Type: text/plain';
$| = 1;
print join("\n", @head), "\n\n", $body;
