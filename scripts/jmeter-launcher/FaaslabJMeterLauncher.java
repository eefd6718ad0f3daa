// Starts Debian's JMeter 2.13 so that it can load test plans.
//
// As packaged, Debian 12's JMeter cannot open any .jmx: its XStream (1.4.20) denies every type
// by default and JMeter 2.13 predates XStream's security framework, so loading a plan fails with
// ForbiddenClassException. This launcher sets JMeter's home, loads jmeter.properties, allows all
// types on the two XStream instances SaveService keeps (JMXSAVER for plans, JTLSAVER for
// results) and then hands over to JMeter's own entry point with the original arguments.
//
// Only for running plans we wrote ourselves (faaslab load --emit-jmx) on this machine.
import com.thoughtworks.xstream.XStream;
import com.thoughtworks.xstream.security.AnyTypePermission;
import java.lang.reflect.Field;
import org.apache.jmeter.save.SaveService;
import org.apache.jmeter.util.JMeterUtils;

public final class FaaslabJMeterLauncher {
  private FaaslabJMeterLauncher() {}

  public static void main(String[] args) throws Exception {
    String home = System.getProperty("jmeter.home", "/usr/share/jmeter");
    JMeterUtils.setJMeterHome(home);
    JMeterUtils.loadJMeterProperties(home + "/bin/jmeter.properties");
    for (String name : new String[] {"JMXSAVER", "JTLSAVER"}) {
      Field field = SaveService.class.getDeclaredField(name);
      field.setAccessible(true);
      ((XStream) field.get(null)).addPermission(AnyTypePermission.ANY);
    }
    org.apache.jmeter.NewDriver.main(args);
  }
}
