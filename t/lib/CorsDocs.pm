package CorsDocs;
# The checks of t/docs.t, which keep the manual (README.md, docs/*.md) and
# the code in step. Plain functions of a tree's top directory, so that the
# test can also run them on a made-up broken tree and see them complain.
#
#   directives_in_code($top)  the directive names of the module's command
#                             table, parsed out of the C sources
#   directive_sections($file) the "## Name" sections of docs/directives.md
#                             and the rows of their reference tables
#   directive_problems($top)  a directive without a complete section, a
#                             section for no directive
#   default_problems($top)    a Default line that does not say the default
#                             `apachectl -t -D DUMP_CORS` prints
#   link_problems($top, @md)  relative links to missing files, #anchors to
#                             missing headings (GitHub's heading slugs)
#   slugs($file)              the anchors GitHub makes for a file's headings
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec::Functions qw(catfile canonpath abs2rel rel2abs);

# The rows every directive section must have, in the Apache manual's style.
our @REQUIRED_ROWS = qw(Description Syntax Default Context);

sub _slurp {
    my ($file) = @_;
    open my $fh, '<:encoding(UTF-8)', $file or die "$file: $!\n";
    local $/;
    return scalar <$fh>;
}

# The directive names of the command table. An AP_INIT_*("Name", ...) entry
# names one directly; a macro defined as an AP_INIT_* of its first parameter
# (mod_cors.c's CORS_FLAG_CMD) names one with its first argument.
sub directives_in_code {
    my ($top) = @_;
    my @c = sort glob catfile($top, '*.c');
    my (%names, %macros);
    my $all = join "\n", map { _slurp($_) } @c;
    # Comments out (they may quote AP_INIT_ lines), strings kept whole (they
    # may hold "/*", as "scheme://*.domain" does).
    $all =~ s{("(?:\\.|[^"\\\n])*")|/\*.*?\*/}{defined $1 ? $1 : " "}gse;
    while ($all =~ /^\s*#\s*define\s+(\w+)\s*\(\s*(\w+)\s*[,)](?:[^\n]*\\\n)*?[^\n]*\bAP_INIT_\w+\s*\(\s*\2\b/mg) {
        $macros{$1} = 1;
    }
    while ($all =~ /\bAP_INIT_\w+\s*\(\s*"([^"]+)"/g) {
        $names{$1} = 1;
    }
    for my $m (keys %macros) {
        while ($all =~ /\b\Q$m\E\s*\(\s*"([^"]+)"/g) {
            $names{$1} = 1;
        }
    }
    return sort keys %names;
}

# Lines of a Markdown text outside fenced code blocks, as [line, number].
sub _prose_lines {
    my ($text) = @_;
    my ($fence, $n, @out) = (undef, 0);
    for my $line (split /\n/, $text) {
        $n++;
        if ($line =~ /^\s{0,3}(```+|~~~+)/) {
            my $mark = substr($1, 0, 3);
            if (!defined $fence) { $fence = $mark; next }
            if ($mark eq $fence) { undef $fence; next }
        }
        push @out, [ $line, $n ] unless defined $fence;
    }
    return @out;
}

# { name => { line => N, rows => { Description => '...', ... } } } for each
# level-2 heading of the file, in order in {order}.
sub directive_sections {
    my ($file) = @_;
    my (%sec, @order, $cur);
    for (_prose_lines(_slurp($file))) {
        my ($line, $n) = @$_;
        if ($line =~ /^##\s+(.+?)\s*#*\s*$/ && $line !~ /^###/) {
            (my $name = $1) =~ s/`//g;
            $cur = $name;
            push @order, $name;
            $sec{$name} = { line => $n, rows => {} };
        }
        elsif ($line =~ /^#\s/) {
            undef $cur;
        }
        elsif (defined $cur && $line =~ /^\|\s*([A-Za-z ]+?):\s*\|\s*(.*?)\s*\|\s*$/) {
            $sec{$cur}{rows}{$1} //= $2;
        }
    }
    return (\%sec, \@order);
}

# Problems between the command table and docs/directives.md, as strings.
sub directive_problems {
    my ($top) = @_;
    my $file = catfile($top, 'docs', 'directives.md');
    return ("docs/directives.md is missing") unless -f $file;
    my @code = directives_in_code($top);
    my %code = map { $_ => 1 } @code;
    my ($sec, $order) = directive_sections($file);
    my @problems;
    push @problems, "no directive found in the C sources' command table"
        unless @code;
    for my $d (@code) {
        my $s = $sec->{$d};
        if (!$s) {
            push @problems, "$d (in the command table) has no '## $d' section in docs/directives.md";
            next;
        }
        for my $row (@REQUIRED_ROWS) {
            push @problems, "docs/directives.md:$s->{line}: $d has no '$row:' line"
                unless defined $s->{rows}{$row} && length $s->{rows}{$row};
        }
        my $syntax = $s->{rows}{Syntax} // '';
        push @problems, "docs/directives.md:$s->{line}: the Syntax of $d does not start with $d"
            if length $syntax && $syntax !~ /^`\Q$d\E\b/;
    }
    # A section with a reference table, or named like a directive, must be
    # one of the module's.
    for my $name (@$order) {
        my $s = $sec->{$name};
        next if $code{$name};
        push @problems, "docs/directives.md:$s->{line}: section '$name' documents no directive of the command table"
            if %{ $s->{rows} } || $name =~ /^Cors\w*$/;
    }
    return @problems;
}

# The defaults `apachectl -t -D DUMP_CORS` prints (cors_dump.c's
# cors_field_names and cors_field_defaults, two arrays in one order), as
# { directive => default }. A name in the defaults array stands for the
# string constant of that name in the sources.
sub dump_defaults {
    my ($top) = @_;
    my $all = join "\n", map { _slurp($_) } sort glob catfile($top, '*.c');
    my %const;
    while ($all =~ /\bconst\s+char\s+(\w+)\s*\[\]\s*=\s*((?:"(?:\\.|[^"\\])*"\s*)+);/g) {
        my ($name, $lits) = ($1, $2);
        $const{$name} = join '', $lits =~ /"((?:\\.|[^"\\])*)"/g;
    }
    my @arrays;
    for my $array (qw(cors_field_names cors_field_defaults)) {
        my ($body) = $all =~ /\b\Q$array\E\s*\[[^\]]*\]\s*=\s*\{(.*?)\};/s
            or return {};
        my @items;
        # Items are separated by commas outside string literals; adjacent
        # literals are one string, as in C.
        for my $item (split /,(?=(?:[^"]*"[^"]*")*[^"]*$)/, $body) {
            next unless $item =~ /\S/;
            if ($item =~ /^\s*(\w+)\s*$/) {
                push @items, $const{$1};
            }
            else {
                push @items, join '', $item =~ /"((?:\\.|[^"\\])*)"/g;
            }
        }
        push @arrays, \@items;
    }
    my ($names, $defaults) = @arrays;
    return {} unless @$names && @$names == @$defaults;
    return { map { $names->[$_] => $defaults->[$_] } 0 .. $#$names };
}

# Problems between the dump's defaults and the Default lines of
# docs/directives.md: the first word of the dump's default ("On", "Off",
# "204", "*", "none"; a method list without its commas) must be in the
# Default line.
sub default_problems {
    my ($top) = @_;
    my $file = catfile($top, 'docs', 'directives.md');
    my $dump = dump_defaults($top);
    return ("no defaults found in cors_dump.c") unless %$dump;
    my ($sec) = directive_sections($file);
    my @problems;
    for my $d (sort keys %$dump) {
        my $doc = $sec->{$d} && $sec->{$d}{rows}{Default};
        next unless defined $doc;    # directive_problems() reports it
        my $want = $dump->{$d};
        $want = $want =~ /^\(?none/ ? 'none'
              : $want =~ /,/        ? join(' ', split /,\s*/, $want)
              : (split ' ', $want)[0];
        (my $text = $doc) =~ s/\b\Q$d\E\b//g;    # "`CorsVaryHeader On`"
        push @problems, "docs/directives.md: the Default of $d ('$doc') does not say '$want', the default DUMP_CORS prints"
            unless $text =~ /(?<!\w)\Q$want\E(?!\w)/;
    }
    return @problems;
}

# GitHub's anchor for a heading: its text lower-cased, everything but
# letters, digits, spaces, '-' and '_' dropped, spaces made '-'; a repeat
# gets -1, -2, ...
sub slugs {
    my ($file) = @_;
    my (%seen, @slugs);
    for (_prose_lines(_slurp($file))) {
        my ($line) = @$_;
        next unless $line =~ /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
        my $text = $1;
        $text =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;    # a link: its text
        my $slug = lc $text;
        $slug =~ s/[^\p{L}\p{N}\p{Mn}\p{Pc} \-]//g;
        $slug =~ s/ /-/g;
        my $n = $seen{$slug}++;
        push @slugs, $n ? "$slug-$n" : $slug;
    }
    return @slugs;
}

# Relative links of a Markdown file: [line, target], code spans and fenced
# code left out.
sub _links {
    my ($file) = @_;
    my @links;
    for (_prose_lines(_slurp($file))) {
        my ($line, $n) = @$_;
        $line =~ s/(`+)(.+?)\1/x/g;
        while ($line =~ /\]\(\s*<?([^()\s>]+)>?(?:\s+"[^"]*")?\s*\)/g) {
            push @links, [ $n, $1 ];
        }
    }
    return @links;
}

# Problems of the links in the given Markdown files (relative to $top).
sub link_problems {
    my ($top, @files) = @_;
    my (%slug_cache, @problems);
    for my $rel (@files) {
        my $file = catfile($top, $rel);
        for my $l (_links($file)) {
            my ($n, $target) = @$l;
            next if $target =~ m{^[a-z][a-z0-9+.-]*:}i;    # http:, mailto:
            my ($path, $anchor) = $target =~ /^([^#]*)(?:#(.*))?$/;
            my $abs = length $path
                ? canonpath(rel2abs($path, dirname($file)))
                : $file;
            my $in_tree = canonpath(abs2rel($abs, $top));
            if (!-e $abs) {
                push @problems, "$rel:$n: link to $target: no file $in_tree";
                next;
            }
            next unless defined $anchor && length $anchor;
            if (-d $abs || $abs !~ /\.md$/) {
                push @problems, "$rel:$n: link to $target: an anchor into a file that is not Markdown";
                next;
            }
            $slug_cache{$abs} //= { map { $_ => 1 } slugs($abs) };
            push @problems, "$rel:$n: link to $target: $in_tree has no heading with the anchor #$anchor"
                unless $slug_cache{$abs}{$anchor};
        }
    }
    return @problems;
}

# The Markdown files the checks cover: README.md and docs/*.md.
sub manual_files {
    my ($top) = @_;
    return ('README.md',
            map { abs2rel($_, $top) } sort glob catfile($top, 'docs', '*.md'));
}

1;
