using System.Runtime.InteropServices;

namespace NirHost.Host.Sweeps;

/// <summary>
/// A sweep's child runs leave the sweep's process group at start-up, so that signals a terminal sends to its foreground
/// group (Ctrl+C, a hang-up) reach the sweep alone and each child gets exactly the one stop the sweep forwards.
/// </summary>
public static class ChildProcessGroup
{
    public const string Variable = "NIRHOST_OWN_PROCESS_GROUP";

    /// <summary>Called first thing by <c>nirhost</c>: a no-op unless a sweep started this process, and on Windows.</summary>
    public static void LeaveParentsGroupIfAsked()
    {
        if (Environment.GetEnvironmentVariable(Variable) == "1" && !OperatingSystem.IsWindows())
        {
            _ = SetProcessGroup(0, 0);
        }
    }

    [DllImport("libc", EntryPoint = "setpgid", SetLastError = true)]
    private static extern int SetProcessGroup(int pid, int group);
}
