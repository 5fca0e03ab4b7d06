; Inno Setup 6 script: wraps the frozen folder dist\rego-desktop\ (PyInstaller, see
; rego_desktop.spec) into rego-desktop-VERSION-setup.exe.
;
; Build on Windows:  python installer\build.py --installer
; (runs PyInstaller, checks the frozen program, then ISCC with the defines below).
;
; - Per-user install, no administrator rights: %LOCALAPPDATA%\Programs\rego-desktop.
; - Start-menu entries for the application and for its demo.
; - Uninstalling removes the program files only. The study database, its backups,
;   settings and logs live in the user's data folder (%LOCALAPPDATA%\rego-desktop,
;   see rego_desktop/paths.py), which this script never installs into and never
;   deletes; the uninstaller says where the data was kept.
; - No network access at install or run time.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\dist\rego-desktop"
#endif
#define AppName "rego-desktop"
#define AppExe "rego-desktop.exe"

[Setup]
; Keep this AppId for every version: upgrades replace the program in place.
AppId={{6E0B7C2A-1F4D-4B8E-9C61-3A5D2E7F9B10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Regorafenib HCC real-world study
AppComments=Offline data capture for the regorafenib HCC real-world study
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
OutputBaseFilename={#AppName}-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
WizardStyle=modern
UninstallDisplayName={#AppName} {#AppVersion}
UninstallDisplayIcon={app}\{#AppExe}
CloseApplications=yes
RestartApplications=no
SetupLogging=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
#ifexist AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl"
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif

[Files]
; The whole frozen folder; only these files are removed again on uninstall.
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autoprograms}\{#AppName} (demo study)"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; WorkingDir: "{app}"

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function DataFolder(): String;
begin
  Result := ExpandConstant('{localappdata}\{#AppName}');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DirExists(DataFolder()) and not UninstallSilent() then
    MsgBox('rego-desktop was removed. Your study data, backups and settings were kept in:' + #13#10 + #13#10 +
      DataFolder() + #13#10 + #13#10 +
      'Installing rego-desktop again opens them. Delete that folder yourself only after the ' +
      'coordinating center confirmed it has everything.', mbInformation, MB_OK);
end;
