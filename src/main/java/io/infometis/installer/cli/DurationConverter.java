package io.infometis.installer.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine;

/** Reads durations the way operators write them: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 0}. */
public class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        Matcher m = FORMAT.matcher(value.trim());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (use e.g. 30s, 10m, 1h)");
        }
        // At most 9 digits: even 999999999h fits a Duration, and no operator means more.
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** For timeouts, where zero would mean "fail at once": {@code --phase-timeout 0s} is refused. */
    public static final class Positive extends DurationConverter {
        @Override
        public Duration convert(String value) {
            Duration d = super.convert(value);
            if (d.isZero()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is zero; a timeout must be more than 0 (e.g. 30m)");
            }
            return d;
        }
    }
}
