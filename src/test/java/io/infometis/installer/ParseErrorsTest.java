package io.infometis.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

class ParseErrorsTest {
    final ObjectMapper strict = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Test
    void trailingContentIsNamedInTheFilesTermsWithoutJacksonsClassNames() {
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> strict.readTree("{\"name\":\"a\"}{\"name\":\"evil\"}"));
        String said = ParseErrors.describe(e);
        assertEquals("line 1, column 13: content after the end of the document", said);
    }

    @Test
    void otherSyntaxErrorsKeepTheirPlaceAndLoseBacktickedInternals() {
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> strict.readTree("{\"a\": tru}"));
        String said = ParseErrors.describe(e);
        assertFalse(said.contains("`"), said);
        assertFalse(said.contains("com.fasterxml"), said);
        assertEquals(true, said.startsWith("line 1, column "), said);
    }
}
