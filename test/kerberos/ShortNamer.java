import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import org.apache.kafka.common.security.kerberos.KerberosName;
import org.apache.kafka.common.security.kerberos.KerberosShortNamer;

/**
 * Kafka's own answers for test/kerberos/short-namer-java.test.ts, one JVM for the whole table.
 * Run: java -cp kafka-clients-<v>.jar ShortNamer.java  (JDK 11+ source-file mode).
 * stdin, one request per line, base64 (UTF-8) fields, tab-separated: <default realm> <rules> <name>
 *   rules split on ',' as Kafka's LIST config type does (sasl.kerberos.principal.to.local.rules),
 *   KerberosShortNamer.fromUnparsedRules(defaultRealm, rules).shortName(KerberosName.parse(name))
 * stdout, one line each: OK <base64 result> | ERR <exception class>
 */
public class ShortNamer {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            String[] fields = line.split("\t", -1);
            try {
                String realm = decode(fields[0]);
                String rules = decode(fields[1]);
                String name = decode(fields[2]);
                String result = KerberosShortNamer.fromUnparsedRules(realm, Arrays.asList(rules.split(","))).shortName(KerberosName.parse(name));
                System.out.println("OK\t" + Base64.getEncoder().encodeToString(result.getBytes(StandardCharsets.UTF_8)));
            } catch (Exception e) {
                System.out.println("ERR\t" + e.getClass().getName());
            }
        }
    }

    private static String decode(String field) {
        return new String(Base64.getDecoder().decode(field), StandardCharsets.UTF_8);
    }
}
