Attribute VB_Name = "HxFolder"
' The folder and file pickers of the hx-excel add-in, on its own so that the Linux tests can stand in for it (the VBA
' interpreter there has no Office file dialog). Each returns the path chosen, or "" when the clerk cancels.
Option Explicit

Public Function PickFolder(ByVal title As String) As String
    With Application.FileDialog(4)   ' msoFileDialogFolderPicker
        .Title = title
        .AllowMultiSelect = False
        If .Show = -1 Then PickFolder = .SelectedItems(1)
    End With
End Function

Public Function PickFile(ByVal title As String) As String
    With Application.FileDialog(3)   ' msoFileDialogFilePicker
        .Title = title
        .AllowMultiSelect = False
        If .Show = -1 Then PickFile = .SelectedItems(1)
    End With
End Function
