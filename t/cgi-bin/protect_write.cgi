#!/usr/bin/perl
# protect area (t/protect_*.t): a handler with a side effect, so that a test
# can prove that it ran, or that CorsProtect stopped the request before it.
# For the query word k=KEY it appends the request method and a line feed to
# the file KEY in $PROTECT_SIDE_DIR (t/logs/protect_side, made by the test
# and set by SetEnv in t/conf/protect.conf.in), before it prints anything.
# Query words tao / acao / vary: it also sends its own Timing-Allow-Origin /
# Access-Control-Allow-Origin (both https://cgi.example) / Vary: Accept.
# The body says "protect cgi ran: METHOD KEY".
use strict;
use warnings;

my $q      = $ENV{QUERY_STRING} // '';
my $method = $ENV{REQUEST_METHOD} // '';
my %word   = map { $_ => 1 } split /&/, $q;
my ($key)  = $q =~ /(?:^|&)k=([A-Za-z0-9_.-]{1,100})(?:&|\z)/;
my $dir    = $ENV{PROTECT_SIDE_DIR};

if (my $len = $ENV{CONTENT_LENGTH}) {
    read STDIN, my $body, $len;
}
if (defined $key && defined $dir && -d $dir) {
    open my $fh, '>>', "$dir/$key" or die "protect_write.cgi: $dir/$key: $!\n";
    print $fh "$method\n";
    close $fh or die "protect_write.cgi: $dir/$key: $!\n";
}
my @head = ('X-Protect-Cgi: ran', 'Content-Type: text/plain');
push @head, 'Timing-Allow-Origin: https://cgi.example' if $word{tao};
push @head, 'Access-Control-Allow-Origin: https://cgi.example' if $word{acao};
push @head, 'Vary: Accept' if $word{vary};
print map({ "$_\r\n" } @head), "\r\n";
print "protect cgi ran: $method ", $key // '-', "\n";
