package web

// DashboardLabel is label, for TestDashboardLabelWords.
var DashboardLabel = label
