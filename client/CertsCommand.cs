using System.CommandLine;
using Orrery.Cluster.Security;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>
/// <c>orrery certs</c>: makes a cluster certificate authority (or reuses the one already in the folder) and member
/// certificates issued by it, as the PEM files the TLS settings of <c>orrery-silo</c> and <c>orrery</c> name.
/// </summary>
internal static class CertsCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder for ca.pem, ca.key and NAME.pem/NAME.key per member", Required = true };
        var clusterId = new Option<string>("--cluster-id") { Description = "Cluster id written into the authority's name", DefaultValueFactory = _ => "orrery" };
        var members = new Option<string[]>("--member", "-m")
        {
            Description = "Member certificate to issue (repeatable): a silo's or a client's name",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["silo", "client"],
        };
        var days = new Option<int>("--days") { Description = "Validity of new certificates in days", DefaultValueFactory = _ => 365 };
        var command = new Command("certs", "Make a cluster certificate authority (or reuse the folder's) and member certificates for mutual TLS");
        command.Options.Add(output);
        command.Options.Add(clusterId);
        command.Options.Add(members);
        command.Options.Add(days);
        command.SetAction((parse, _) => CommandErrors.RunAsync(() =>
        {
            var folder = parse.GetValue(output)!;
            var validDays = parse.GetValue(days);
            if (validDays is < 1 or > 3650)
            {
                throw new ArgumentException($"--days is {validDays}; it must be 1 to 3650");
            }

            var existing = File.Exists(Path.Combine(folder, "ca.pem")) && File.Exists(Path.Combine(folder, "ca.key"));
            var authority = existing
                ? ClusterTlsFiles.ReadAuthority(folder)
                : ClusterTlsFiles.WriteAuthority(folder, parse.GetValue(clusterId)!, TimeSpan.FromDays(validDays));
            AnsiConsole.MarkupLineInterpolated($"{(existing ? "Using the authority in" : "New authority in")} {Path.Combine(folder, "ca.pem")} ({authority.Subject}, valid until {authority.NotAfter:u}); keep ca.key private");
            var now = DateTimeOffset.UtcNow;
            foreach (var name in parse.GetValue(members)!)
            {
                var files = ClusterTlsFiles.WriteMember(folder, authority, name, now.AddMinutes(-5), now.AddDays(validDays));
                AnsiConsole.MarkupLineInterpolated($"  {name}: --OrleansSilo:TlsCertificate {files.Certificate} --OrleansSilo:TlsKey {files.Key} --OrleansSilo:TlsAuthority {files.Authority}");
            }

            return Task.FromResult(0);
        }));
        return command;
    }
}
