// "Current calls" for supervisors in a browser.
//
//   dotnet run --project examples/EslSupervision.Dashboard
//       No settings: an embedded fake FreeSWITCH with two tenants and simulated calls. Open the URL shown, sign in
//       as Benjamin (supervisor 1010 @ pbx.lab) or Mia (2010 @ other.lab), click Spy / Whisper / Barge.
//
//   EslSupervision__Connection__Host=10.0.0.5 EslSupervision__Connection__Password=... dotnet run --project examples/EslSupervision.Dashboard
//       Against a real switch (tenants and ring groups from appsettings.json / environment, as in EslSupervision.Example).
//
//   EslSupervision__Switches__a__Connection__Host=10.0.0.11 EslSupervision__Switches__b__Connection__Host=10.0.0.12 (passwords,
//   DialStrings, EslSupervision__Cluster__TokenKey: see docs/cluster.md) dotnet run --project examples/EslSupervision.Dashboard
//       Against several switches (cluster mode): the same page, the calls of every switch; the supervisor's phone and the
//       agent may be on different switches.
using EslSupervision.Dashboard;

await using DashboardApp demo = await DashboardApp.CreateAsync(args, new DashboardAppSettings());
await demo.App.RunAsync();
