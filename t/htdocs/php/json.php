<?php
// t/php_fpm.t: a JSON API answer with no CORS headers of its own; echoes
// the method, the request body and its Content-Type, so the test sees
// that a POST reached PHP with its body. Every run appends a line to
// $CORS_PHP_RUNS.
$body = file_get_contents('php://input');
file_put_contents(getenv('CORS_PHP_RUNS'), sprintf("%s %s acrm=%s len=%d\n",
    $_SERVER['REQUEST_METHOD'], $_SERVER['REQUEST_URI'],
    $_SERVER['HTTP_ACCESS_CONTROL_REQUEST_METHOD'] ?? '-', strlen($body)),
    FILE_APPEND | LOCK_EX);
header('Content-Type: application/json');
header('X-Php: json');
header('X-Request-Id: php-' . getmypid());
echo json_encode([
    'method'       => $_SERVER['REQUEST_METHOD'],
    'body'         => $body,
    'content_type' => $_SERVER['CONTENT_TYPE'] ?? null,
    'origin'       => $_SERVER['HTTP_ORIGIN'] ?? null,
]), "\n";
