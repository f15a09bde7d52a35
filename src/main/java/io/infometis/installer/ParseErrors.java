package io.infometis.installer;

import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Jackson's messages name Java classes and constructors. An operator who passed the wrong file needs where and what,
 * in the file's own terms: {@code line 3, column 1: unknown key 'imagez'}.
 */
public final class ParseErrors {
    private ParseErrors() {
    }

    public static String describe(JsonProcessingException e) {
        // The YAML parser reads one event ahead: for an unknown key its location is the next key's, so none is given.
        String where = e instanceof UnrecognizedPropertyException ? "" : where(e.getLocation());
        String what;
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (original.startsWith("Trailing token")) {
            what = "content after the end of the document";
        } else if (e instanceof UnrecognizedPropertyException u) {
            what = "unknown key '" + u.getPropertyName() + "'";
        } else if (e instanceof InvalidFormatException f) {
            what = "key '" + path(f) + "' has a value of the wrong type (" + shortValue(f.getValue()) + ")";
        } else if (e instanceof MismatchedInputException m) {
            what = m.getPath().isEmpty() ? "not a mapping of keys (is this the right file?)"
                    : "key '" + path(m) + "' has a value of the wrong type";
        } else {
            String msg = original.isEmpty() ? "unreadable" : original.lines().findFirst().orElse(original);
            // Jackson names its own classes and settings in backticks: the operator's file has none of them.
            what = "not valid YAML/JSON: " + msg.replaceAll("\\s*\\([^()]*`[^`]*`[^()]*\\)", "").replaceAll("`[^`]*`", "");
        }
        return where.isEmpty() ? what : where + ": " + what;
    }

    private static String where(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 1 ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String shortValue(Object v) {
        String s = String.valueOf(v);
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
