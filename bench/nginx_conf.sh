# nginx_conf.sh - sourced by the benchmarks that measure against nginx: the
# configuration lines that make nginx run from a private directory (its pid,
# error log and every temp path there, nothing under /var) and serve files
# the fastest way (sendfile, no access log).
nginx_private_lines() { # nginx_private_lines DIR: main-context lines
    printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\n' "$1" "$1"
}
nginx_http_lines() { # nginx_http_lines DIR: http-context lines
    local p
    printf 'access_log off;\nsendfile on;\ntcp_nopush on;\n'
    for p in client_body proxy fastcgi uwsgi scgi; do printf '%s_temp_path %s;\n' "$p" "$1"; done
}
