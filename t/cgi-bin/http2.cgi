#!/usr/bin/perl
# http2 area (t/http2.t, t/browser_http2.t): one CGI behind every section
# of t/conf/http2_policy.inc. Query words:
#   status=NNN  answer with that status;
#   fail        print nothing at all: httpd answers 500 itself;
#   k=KEY       append the method and a line feed to $HTTP2_SIDE_DIR/KEY
#               (t/logs/http2_side, made by the test) before answering,
#               so that a test can prove that the handler ran, or did not;
#   sleep=MS    wait that long before answering (concurrent streams);
#   big=N       a body of N bytes instead of the short text.
# It reads the request body it is given, and sends X-Exposed and X-Hidden.
use strict;
use warnings;
use Time::HiRes qw(sleep);

my $q      = $ENV{QUERY_STRING} // '';
my $method = $ENV{REQUEST_METHOD} // '';
my %arg    = map { /^([a-z]+)(?:=(.*))?$/ ? ($1 => $2 // 1) : () } split /&/, $q;
my $dir    = $ENV{HTTP2_SIDE_DIR};

my $body = '';
if (my $len = $ENV{CONTENT_LENGTH}) {
    read STDIN, $body, $len;
}
else {
    local $/;
    $body = <STDIN> // '';
}
exit 0 if $arg{fail};
if (defined $arg{k} && $arg{k} =~ /\A[A-Za-z0-9_.-]{1,100}\z/ && $dir && -d $dir) {
    open my $fh, '>>', "$dir/$arg{k}" or die "http2.cgi: $dir/$arg{k}: $!\n";
    print $fh "$method\n";
    close $fh or die "http2.cgi: $dir/$arg{k}: $!\n";
}
sleep $arg{sleep} / 1000 if $arg{sleep} && $arg{sleep} =~ /\A\d{1,5}\z/;
my $status = $arg{status} && $arg{status} =~ /\A[1-5]\d\d\z/ ? $arg{status} : 200;
print "Status: $status\r\n", "Content-Type: text/plain\r\n",
      "X-Exposed: yes\r\n", "X-Hidden: yes\r\n", "\r\n";
if ($arg{big} && $arg{big} =~ /\A\d{1,8}\z/) {
    print 'x' x $arg{big};
}
else {
    print "http2 cgi: $method ", length($body), " bytes\n";
}
