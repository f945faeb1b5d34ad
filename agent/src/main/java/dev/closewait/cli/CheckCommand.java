package dev.closewait.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.closewait.agent.track.StackFrames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code check REPORT.json}: a CI gate over a report file. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Checks a JSON report written by the agent (option report=) and fails on leaks: one line per"
                + " leak with its remote endpoint, status and the first application frame that opened it."},
        footer = {"", "Exit status: 0 no leaks; 1 leaks (listed); 2 the file is missing, unreadable, or not a valid"
                + " closewait report (the message says which and where)."})
final class CheckCommand implements Callable<Integer> {

    static final int EXIT_LEAKS = 1;
    private static final JsonFactory JSON = new JsonFactory();

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPORT.json", description = "the report file")
    private String file;

    @Override
    public Integer call() throws CliProblem {
        Path path = Paths.get(file);
        Map<String, Object> report = read(path);
        List<Object> leaks = listField(report, "leaks", "the report");
        Object summary = report.get("summary");
        if (summary instanceof Map && ((Map<?, ?>) summary).get("leaks") instanceof Number
                && ((Number) ((Map<?, ?>) summary).get("leaks")).intValue() != leaks.size()) {
            throw new CliProblem(path + " is inconsistent: summary.leaks says " + ((Map<?, ?>) summary).get("leaks")
                    + " but the leaks array has " + leaks.size() + " entries (a truncated or edited file?)");
        }
        PrintWriter out = spec.commandLine().getOut();
        String ignored = summary instanceof Map && ((Map<?, ?>) summary).get("ignored") instanceof Number
                && ((Number) ((Map<?, ?>) summary).get("ignored")).intValue() > 0
                ? " (" + ((Map<?, ?>) summary).get("ignored") + " more left out by ignore rules)" : "";
        if (leaks.isEmpty()) {
            out.println("closewait check: no connection leaks in " + path + ignored);
            return 0;
        }
        out.println("closewait check: " + leaks.size() + (leaks.size() == 1 ? " connection leak" : " connection leaks")
                + " in " + path + ignored);
        for (int i = 0; i < leaks.size(); i++) {
            out.println("  " + describe(leaks.get(i), "leaks[" + i + "]"));
        }
        return EXIT_LEAKS;
    }

    /** {@code #17 OPEN 127.0.0.1:1433 com.example.OrderDao.load(OrderDao.java:42)}. */
    private static String describe(Object entry, String where) throws CliProblem {
        if (!(entry instanceof Map)) {
            throw new CliProblem(where + " is not an object");
        }
        Map<?, ?> leak = (Map<?, ?>) entry;
        String status = stringField(leak, "status", where);
        String remote = stringField(leak, "remote", where);
        List<String> stack = new ArrayList<>();
        for (Object frame : listField(leak, "stack", where)) {
            stack.add(String.valueOf(frame));
        }
        Object jdbc = leak.get("jdbc");
        String driver = jdbc instanceof Map && ((Map<?, ?>) jdbc).get("driver") instanceof String
                ? (String) ((Map<?, ?>) jdbc).get("driver") : null;
        String frame = StackFrames.firstApplicationFrame(stack, StackFrames.packageOf(driver));
        return String.format(java.util.Locale.ROOT, "#%-5s %-15s %-22s %s", leak.get("id"), status, remote,
                frame == null ? "(no stack: open before the agent attached)" : frame);
    }

    private static String stringField(Map<?, ?> object, String field, String where) throws CliProblem {
        Object value = object.get(field);
        if (!(value instanceof String)) {
            throw new CliProblem(where + " has no '" + field + "' text");
        }
        return (String) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> listField(Map<?, ?> object, String field, String where) throws CliProblem {
        Object value = object.get(field);
        if (!(value instanceof List)) {
            throw new CliProblem(where + " has no '" + field + "' array: is this a closewait report?");
        }
        return (List<Object>) value;
    }

    /** The report as maps, lists and values; every problem becomes a message that says where. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(Path path) throws CliProblem {
        try (JsonParser json = JSON.createParser(Files.newInputStream(path))) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new CliProblem(path + " is not a closewait report: it does not start with a JSON object");
            }
            Map<String, Object> report = (Map<String, Object>) value(json);
            if (json.nextToken() != null) {
                throw new CliProblem(path + " has more after the report, at " + where(json.currentLocation()));
            }
            if (!"closewait".equals(report.get("tool"))) {
                throw new CliProblem(path + " is not a closewait report: its 'tool' is " + report.get("tool"));
            }
            return report;
        } catch (NoSuchFileException missing) {
            throw new CliProblem("no such file: " + path.toAbsolutePath());
        } catch (JsonProcessingException malformed) {
            throw new CliProblem(path + " is not valid JSON at " + where(malformed.getLocation()) + ": "
                    + malformed.getOriginalMessage());
        } catch (IOException unreadable) {
            throw new CliProblem("cannot read " + path.toAbsolutePath() + ": " + unreadable.getMessage());
        }
    }

    private static Object value(JsonParser json) throws IOException {
        switch (json.currentToken()) {
            case START_OBJECT:
                Map<String, Object> object = new LinkedHashMap<>();
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String name = json.currentName();
                    json.nextToken();
                    object.put(name, value(json));
                }
                return object;
            case START_ARRAY:
                List<Object> array = new ArrayList<>();
                while (json.nextToken() != JsonToken.END_ARRAY) {
                    array.add(value(json));
                }
                return array;
            case VALUE_STRING:
                return json.getText();
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return json.getNumberValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new com.fasterxml.jackson.core.JsonParseException(json, "unexpected " + json.currentToken());
        }
    }

    private static String where(JsonLocation location) {
        return location == null ? "an unknown place" : "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }
}
