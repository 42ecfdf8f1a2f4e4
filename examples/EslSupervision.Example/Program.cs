Console.WriteLine("EslSupervision example: work in progress.");
