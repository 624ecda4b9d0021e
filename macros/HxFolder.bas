Attribute VB_Name = "HxFolder"
' The folder picker of the hx-excel add-in, on its own so that the Linux tests can stand in for it (the VBA
' interpreter there has no Office file dialog). Returns the folder chosen, or "" when the clerk cancels.
Option Explicit

Public Function PickFolder(ByVal title As String) As String
    With Application.FileDialog(4)   ' msoFileDialogFolderPicker
        .Title = title
        .AllowMultiSelect = False
        If .Show = -1 Then PickFolder = .SelectedItems(1)
    End With
End Function
