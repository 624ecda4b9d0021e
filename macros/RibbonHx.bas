Attribute VB_Name = "RibbonHx"
' Ribbon callbacks of the hx-excel add-in: one Sub per onAction in ribbon.xml. Each asks what its button needs and
' hands over to Python (hx_excel.addin.ribbon) through xlwings' RunPython, which works on the active workbook.
' - Inside RunPython strings use single quotes only: the command is wrapped in double quotes by cmd.exe.
' - Text the clerk types travels as UTF-16 hex (HexOf), so Chinese and quotes arrive intact.
' - Chinese prompts are written as UTF-16 hex read by Zh(): this project's code page is 1252, and non-ASCII text
'   in a module would silently become "?". The English after each line says what it reads.
Option Explicit

Private Const PY As String = "import hx_excel.addin.ribbon as hx; hx."
Private Const TITLE_HEX As String = "96328FD48D2B76D16D4B"   ' fang fan pin jian ce (the tab's name)

Sub OnCheck(control As IRibbonControl)
    RunPython PY & "check()"
End Sub

Sub OnFill(control As IRibbonControl)
    RunPython PY & "fill()"
End Sub

Sub OnExtend(control As IRibbonControl)
    Dim rows As String
    ' "How many rows in all (blank: the default more)?"
    rows = InputBox(Zh("626951455230591A5C11884CFF084E0D586B521963099ED88BA4589E52A0FF09FF1A"), Zh(TITLE_HEX), "")
    RunPython PY & "extend('" & HexOf(rows) & "')"
End Sub

Sub OnReview(control As IRibbonControl)
    Dim month As String, reviewer As String
    ' "Month reviewed (e.g. 2022-07):"
    month = InputBox(Zh("7814522467084EFDFF08598200200032003000320032002D00300037FF09FF1A"), Zh(TITLE_HEX), _
                     Format(Date, "yyyy-mm"))
    If month = "" Then Exit Sub
    ' "Reviewer (blank: the reviewer on the settings sheet):"
    reviewer = InputBox(Zh("781452244EBAFF084E0D586B52197528201C53C26570201D886876845BA168384EBAFF09FF1A"), Zh(TITLE_HEX), "")
    RunPython PY & "review('" & HexOf(month) & "', '" & HexOf(reviewer) & "')"
End Sub

Sub OnSummary(control As IRibbonControl)
    Dim scope As Long, month As String, folder As String
    ' "This workbook: Yes. The township ledgers in a folder: No."
    scope = MsgBox(Zh("6C47603B672C5DE54F5C7C3F8BF770B9201C662F201DFF1B6C47603B4E004E2A65874EF659394E2D54044E619547768453F08D268BF770B9201C5426201D3002"), _
                   vbYesNoCancel + vbQuestion, Zh(TITLE_HEX))
    If scope = vbCancel Then Exit Sub
    ' "Month of the report (e.g. 2022-07):"
    month = InputBox(Zh("670862A567084EFDFF08598200200032003000320032002D00300037FF09FF1A"), Zh(TITLE_HEX), _
                     Format(Date, "yyyy-mm"))
    If month = "" Then Exit Sub
    If scope = vbNo Then
        ' "Choose the folder of the ledgers to sum up"
        folder = PickFolder(Zh("900962E96C47603B768453F08D266240572865874EF65939"))
        If folder = "" Then Exit Sub
    End If
    RunPython PY & "summary('" & HexOf(month) & "', '" & HexOf(folder) & "')"
End Sub

Sub OnNotice(control As IRibbonControl)
    Dim village As String, kind As String
    ' "Village (community) name:"
    village = InputBox(Zh("6751FF085C45FF09540D79F0FF1A"), Zh(TITLE_HEX), "")
    If village = "" Then Exit Sub
    ' "Kind of notice: 1 identification and entry, 2 risk eliminated"
    kind = InputBox(Zh("516C793A7C7B522BFF1A003100208BC6522B7EB35165FF0C0032002098CE96696D889664"), Zh(TITLE_HEX), "1")
    If kind = "" Then Exit Sub
    RunPython PY & "notice('" & HexOf(village) & "', '" & HexOf(kind) & "')"
End Sub

Sub OnGenerate(control As IRibbonControl)
    Dim folder As String
    ' "Choose the folder for the township ledgers"
    folder = PickFolder(Zh("900962E95B58653E4E61954753F08D26768465874EF65939"))
    If folder = "" Then Exit Sub
    RunPython PY & "generate('" & HexOf(folder) & "')"
End Sub

Sub OnImport(control As IRibbonControl)
    Dim export As String, update As Long
    ' "Choose the list exported from the national system (.xls, .xlsx or CSV)"
    export = PickFile(Zh("900962E956FD5BB67CFB7EDF5BFC51FA7684540D5355FF08002E0078006C00733001002E0078006C00730078002062160020004300530056FF09"))
    If export = "" Then Exit Sub
    ' "Where the list and the ledger differ, take the list's value? (No keeps the ledger's value and only lists them)"
    update = MsgBox(Zh("540D53554E0E53F08D264E0D540C4E4B5904FF0C89814EE5540D53554E3A51C6653951995417FF1FFF0870B9201C5426201D52194FDD755953F08D267684503CFF0C53EA521751FA4E0D540C4E4B5904FF09"), _
                    vbYesNoCancel + vbQuestion, Zh(TITLE_HEX))
    If update = vbCancel Then Exit Sub
    If update = vbYes Then
        RunPython PY & "import_export('" & HexOf(export) & "', '1')"
    Else
        RunPython PY & "import_export('" & HexOf(export) & "', '0')"
    End If
End Sub

Sub OnClueIntake(control As IRibbonControl)
    Dim month As String, lists As String, ledgers As String
    ' "Month of the clues (e.g. 2022-07):"
    month = InputBox(Zh("7EBF7D2267084EFDFF08598200200032003000320032002D00300037FF09FF1A"), Zh(TITLE_HEX), _
                     Format(Date, "yyyy-mm"))
    If month = "" Then Exit Sub
    ' "Choose the folder of this month's department lists"
    lists = PickFolder(Zh("900962E9672C670890E895E8540D53556240572865874EF65939"))
    If lists = "" Then Exit Sub
    ' "Choose the folder of the township ledgers"
    ledgers = PickFolder(Zh("900962E954044E61954753F08D266240572865874EF65939"))
    If ledgers = "" Then Exit Sub
    RunPython PY & "clue_intake('" & HexOf(month) & "', '" & HexOf(lists) & "', '" & HexOf(ledgers) & "')"
End Sub

Sub OnClueApply(control As IRibbonControl)
    Dim task As String
    ' "Choose the clue sheet the township sent back"
    task = PickFile(Zh("900962E94E6195474EA456DE76847EBF7D224EA4529E5355"))
    If task = "" Then Exit Sub
    RunPython PY & "clue_apply('" & HexOf(task) & "')"
End Sub

Sub OnAbout(control As IRibbonControl)
    RunPython PY & "about()"
End Sub

Private Function HexOf(ByVal text As String) As String
    Dim i As Long, code As Long, out As String
    For i = 1 To Len(text)
        code = AscW(Mid$(text, i, 1))
        If code < 0 Then code = code + 65536   ' AscW is an Integer: U+8000 and above come negative
        If code > 65535 Then                   ' a rare character seen whole (Excel's strings give its two halves)
            out = out & Hex$(55296 + (code - 65536) \ 1024) & Hex$(56320 + (code - 65536) Mod 1024)
        Else
            out = out & Right$("000" & Hex$(code), 4)
        End If
    Next i
    HexOf = out
End Function

Private Function Zh(ByVal hexText As String) As String
    Dim i As Long, out As String
    For i = 1 To Len(hexText) Step 4
        out = out & ChrW(CLng("&H" & Mid$(hexText, i, 4)))
    Next i
    Zh = out
End Function
