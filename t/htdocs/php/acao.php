<?php
// t/php_fpm.t: a script that sends CORS headers of its own, as many PHP
// applications do (and answers OPTIONS itself). In a Cors On section
// mod_cors must replace them (CorsPreserveBackendHeaders Off) or keep them
// untouched (On). Every run appends a line to $CORS_PHP_RUNS, so the test
// sees whether a request reached PHP at all.
file_put_contents(getenv('CORS_PHP_RUNS'), sprintf("%s %s acrm=%s\n",
    $_SERVER['REQUEST_METHOD'], $_SERVER['REQUEST_URI'],
    $_SERVER['HTTP_ACCESS_CONTROL_REQUEST_METHOD'] ?? '-'),
    FILE_APPEND | LOCK_EX);
header('Access-Control-Allow-Origin: *');
header('Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS');
header('Access-Control-Allow-Headers: *');
header('Access-Control-Expose-Headers: X-Php-Only');
header('Access-Control-Max-Age: 86400');
header('Vary: Accept-Encoding');
header('X-Php: acao');
if ($_SERVER['REQUEST_METHOD'] === 'OPTIONS') {
    // The hand-written preflight answer such applications carry.
    http_response_code(200);
    exit;
}
echo "acao\n";
