package CorsOps;
# Helpers for the counters tests (t/ops_*.t): the decision values and
# their mod_status keys, a reader of `server-status?auto`, a small parser
# of the Prometheus text format (0.0.4) the cors-metrics handler serves,
# and a reader of an access log whose lines start with fixed fields.
# See t/README.md, "t/lib/CorsOps.pm".
use strict;
use warnings;

use Exporter 'import';
use CorsTest ();

our @EXPORT = qw(@DECISIONS @AUTO_KEYS auto_key status_auto auto_counts
                 parse_prometheus metrics_counts get_text);

# The note values in the module's order (the order of the ?auto lines).
our @DECISIONS = qw(no-origin allowed preflight-allowed refused-origin
                    refused-method refused-headers refused-private-network
                    malformed refused-cross-origin refused-websocket);

# 'refused-private-network' -> 'CorsRefusedPrivateNetwork'
sub auto_key {
    my ($decision) = @_;
    return 'Cors' . join '', map { ucfirst } split /-/, $decision;
}

# The 11 lines mod_cors adds to ?auto, in order.
our @AUTO_KEYS = ((map { auto_key($_) } @DECISIONS), 'CorsReportDiffers');

# get_text($url) -> (HTTP::Response, body); one request, no Origin.
sub get_text {
    my ($url) = @_;
    my $res = CorsTest::cors_request(GET => $url, undef);
    return ($res, $res->content // '');
}

# status_auto($url) -> list of [key, value] in the page's order, for
# every line of the form "Key: value" (the first line, the host, has
# none).
sub status_auto {
    my ($url) = @_;
    my (undef, $text) = get_text($url);
    return map { /^([^:]+): ?(.*)$/ ? [$1, $2] : () } split /\n/, $text;
}

# auto_counts($url) -> { CorsAllowed => N, ... } (the Cors* lines only).
sub auto_counts {
    my ($url) = @_;
    return { map { @$_ } grep { $_->[0] =~ /^Cors/ } status_auto($url) };
}

# parse_prometheus($text) -> { help => {name => text}, type => {name =>
# type}, samples => [{name, labels => {k => v}, value}], errors => [..] }.
# Checks what a scraper relies on: every line a comment or a sample,
# labels quoted with only \\, \" and \n escaped, a number as value, a TYPE
# line before the first sample of its family, no series twice, a final
# line feed.
sub parse_prometheus {
    my ($text) = @_;
    my (%help, %type, %seen_family, %series, @samples, @errors);
    push @errors, 'no final line feed' unless $text =~ /\n\z/;
    my $n = 0;
    for my $line (split /\n/, $text) {
        $n++;
        next if $line eq '';
        if ($line =~ /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/) {
            push @errors, "line $n: second HELP for $1" if $help{$1};
            $help{$1} = $2;
            next;
        }
        if ($line =~ /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/) {
            my ($name, $t) = ($1, $2);
            push @errors, "line $n: unknown type $t"
                unless $t =~ /^(?:counter|gauge|histogram|summary|untyped)$/;
            push @errors, "line $n: TYPE of $name after its samples"
                if $seen_family{$name};
            push @errors, "line $n: second TYPE for $name" if $type{$name};
            $type{$name} = $t;
            next;
        }
        next if $line =~ /^#/;
        my ($name, $labels, $value) = $line =~
            /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/
            or do { push @errors, "line $n: not a sample: $line"; next };
        my %l;
        if (defined $labels) {
            pos($labels) = 0;
            while ($labels =~ /\G([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|\z)/gc) {
                my ($k, $v) = ($1, $2);
                $v =~ s/\\(.)/$1 eq 'n' ? "\n" : $1/ge;
                push @errors, "line $n: label $k twice" if exists $l{$k};
                $l{$k} = $v;
            }
            push @errors, "line $n: bad labels: {$labels}"
                unless (pos($labels) // 0) == length $labels;
        }
        push @errors, "line $n: value '$value' is not a number"
            unless $value =~ /^(?:[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
        push @errors, "line $n: no TYPE line before $name"
            unless $type{$name};
        $seen_family{$name} = 1;
        my $key = join "\0", $name, map { "$_=$l{$_}" } sort keys %l;
        push @errors, "line $n: series repeated: $line" if $series{$key}++;
        push @samples, { name => $name, labels => \%l, value => $value };
    }
    return { help => \%help, type => \%type, samples => \@samples,
             errors => \@errors };
}

# metrics_counts($parsed) -> { server => { decision => N, 'report-differs'
# => N } } from mod_cors_decisions_total and mod_cors_report_differs_total.
sub metrics_counts {
    my ($p) = @_;
    my %c;
    for my $s (@{ $p->{samples} }) {
        if ($s->{name} eq 'mod_cors_decisions_total') {
            $c{ $s->{labels}{server} }{ $s->{labels}{decision} } = $s->{value};
        }
        elsif ($s->{name} eq 'mod_cors_report_differs_total') {
            $c{ $s->{labels}{server} }{'report-differs'} = $s->{value};
        }
    }
    return \%c;
}

1;
