# Counts the lines of the application's code that exist only because of otpkit (see the
# README): `awk -f count.awk src/*.rs templates/*.html`.
FNR == 1 { block = 0 }
/\/\/ otpkit: begin/ { block = 1; next }
/\/\/ otpkit: end/ { block = 0; next }
FILENAME ~ /two_factor\.rs$/ || block { if ($0 !~ /^[ \t]*(\/\/.*)?$/) n++; next }
/(\/\/ otpkit|\{# otpkit #\})$/ { n++ }
END { print n }
