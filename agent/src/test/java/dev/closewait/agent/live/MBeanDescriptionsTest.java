package dev.closewait.agent.live;

import dev.closewait.agent.detect.LeakCounts;
import dev.closewait.agent.detect.LeakReport;
import dev.closewait.agent.detect.LeakStatus;
import dev.closewait.agent.identity.AgentIdentity;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a JMX console shows of the MBean: a description of its own for every attribute and operation, the names the docs list. */
class MBeanDescriptionsTest {

    private static MBeanInfo registered() throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer(); // not in the factory's list: nothing to release
        LeakDetector detector = new LeakDetector("9.9", () -> new LeakReport(1, 0, 0, 0, 1000, List.of()),
                () -> new LeakCounts(0, 0, 0, new int[LeakStatus.values().length], 0, 0, 0, 0), () -> "interval=5s",
                () -> dev.closewait.agent.report.TextReport.DEFAULT, options -> "refused");
        detector.register(server);
        ObjectName name = new ObjectName(AgentIdentity.MBEAN_NAME);
        assertEquals("9.9", server.getAttribute(name, "Version"), "the wrapped detector answers");
        return server.getMBeanInfo(name);
    }

    @Test
    void everyAttributeAndOperationIsDescribedByItsOwnText() throws Exception {
        MBeanInfo info = registered();
        assertEquals(MBeanDescriptions.MBEAN, info.getDescription());
        Set<String> attributes = new TreeSet<>();
        for (MBeanAttributeInfo attribute : info.getAttributes()) {
            attributes.add(attribute.getName());
            assertEquals(MBeanDescriptions.ATTRIBUTES.get(attribute.getName()), attribute.getDescription(), attribute.getName());
        }
        assertEquals(new TreeSet<>(MBeanDescriptions.ATTRIBUTES.keySet()), attributes, "one text per attribute, none more");
        Set<String> operations = new TreeSet<>();
        for (MBeanOperationInfo operation : info.getOperations()) {
            operations.add(operation.getName());
            assertEquals(MBeanDescriptions.OPERATIONS.get(operation.getName()), operation.getDescription(), operation.getName());
            if (operation.getName().equals("configure")) {
                assertEquals("options", operation.getSignature()[0].getName());
            }
        }
        assertEquals(new TreeSet<>(MBeanDescriptions.OPERATIONS.keySet()), operations);
    }

    @Test
    void theDocsListEveryAttributeAndOperation() throws Exception {
        String docs = Files.readString(Path.of("../docs/attach-jmx-jfr.md"));
        List<String> missing = MBeanDescriptions.ATTRIBUTES.keySet().stream().filter(a -> !docs.contains("`" + a + "`"))
                .collect(Collectors.toList());
        missing.addAll(MBeanDescriptions.OPERATIONS.keySet().stream().filter(o -> !docs.contains("`" + o + "("))
                .collect(Collectors.toList()));
        assertEquals(List.of(), missing, "docs/attach-jmx-jfr.md, section JMX");
    }
}
